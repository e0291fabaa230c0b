import { type Denial, type Exchange, type PluginInput, type ToolCall, type TollgatePlugin, type Usage } from '@tollgate/core';
import { type FakeUpstream, type FixtureFormat, type TestGateway, chunksToSse, parseSseClientFrames, readChunkLines, readFixture, startFakeUpstream, startTestGateway } from '@tollgate/testing';

/** Model ids the test gateway routes to the fake upstream, one provider per API family. */
export const MODELS = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-5', gemini: 'gemini-2.5-flash', mock: 'mock-1', chatOnly: 'chat-only-model' } as const;

/** Provider keys the gateway injects upstream (never sent by clients). */
export const PROVIDER_KEYS = { anthropic: 'sk-ant-provider-key', openai: 'sk-openai-provider-key', gemini: 'goog-provider-key' } as const;

/** The configuration of a gateway whose real providers all point at `upstream`. */
export function formatsConfig(upstream: FakeUpstream): Record<string, unknown> {
  return {
    providers: {
      anthropic: {
        baseurl: upstream.url,
        apikey: PROVIDER_KEYS.anthropic,
        authorization: 'x-api-key',
        models: [MODELS.anthropic],
        compatibility: { anthropic_messages: true },
      },
      openai: {
        baseurl: `${upstream.url}/v1`,
        apikey: PROVIDER_KEYS.openai,
        models: [MODELS.openai],
        compatibility: { openai_chat: true, openai_responses: true },
      },
      google: {
        baseurl: upstream.url,
        apikey: PROVIDER_KEYS.gemini,
        authorization: 'x-goog-api-key',
        models: [MODELS.gemini],
        compatibility: { gemini_generate_content: true },
      },
      chatonly: { baseurl: upstream.url, apikey: 'sk-chat', models: [MODELS.chatOnly] },
      mock: { baseurl: 'mock://', models: [MODELS.mock] },
    },
  };
}

/** A fake upstream and a gateway in front of it. */
export interface Rig {
  readonly upstream: FakeUpstream;
  readonly gw: TestGateway;
  close(): Promise<void>;
}

/** Starts a fake upstream and a test gateway routing every format to it. */
export async function startRig(plugins: readonly PluginInput[] = []): Promise<Rig> {
  const upstream = await startFakeUpstream();
  const gw = await startTestGateway({ config: formatsConfig(upstream), plugins });
  return {
    upstream,
    gw,
    async close() {
      await gw.close();
      await upstream.close();
    },
  };
}

/** A plugin whose `onToolCall` tap asks `decide` (async allowed) about every call and records them. */
export function toolGate(decide: (call: ToolCall) => Denial | undefined | Promise<Denial | undefined>): TollgatePlugin & { readonly seen: ToolCall[] } {
  const seen: ToolCall[] = [];
  return {
    name: 'test-tool-gate',
    seen,
    apply(host) {
      host.hooks.onToolCall.tapPromise('test-tool-gate', async ({ call }) => {
        seen.push(call);
        return decide(call);
      });
    },
  };
}

/** A raw HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json(): any;
}

/** POSTs a JSON body (or raw text) to the gateway. */
export async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** The wire SSE frames of a fixture (raw SSE files are one frame holding the whole file). */
export function fixtureFrames(format: FixtureFormat, file: string): string[] {
  if (file.endsWith('.chunks.txt')) return chunksToSse(format, readChunkLines(format, file));
  return [readFixture(format, file).toString('utf8')];
}

/** The parsed body of a JSON fixture. */
export function fixtureJson(format: FixtureFormat, file: string): any {
  return JSON.parse(readFixture(format, file).toString('utf8'));
}

/** The four responses of the Responses agent-loop capture, each as its own list of frames. */
export function agentLoopFrames(): string[][] {
  const groups: string[][] = [];
  for (const line of readChunkLines('openai-responses', 'openai-reasoning-encrypted-content.1.chunks.txt')) {
    if ((JSON.parse(line) as { type: string }).type === 'response.created') groups.push([]);
    groups.at(-1)!.push(line);
  }
  return groups.map((g) => chunksToSse('openai-responses', g));
}

/** Parses SSE text into `{event, data}` frames (data parsed as JSON when it is JSON). */
export function parseSse(text: string): Array<{ event: string | undefined; data: any }> {
  return parseSseClientFrames(text).map(({ event, data }) => {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // [DONE] and other non-JSON data stay text
    }
    return { event, data: parsed };
  });
}

/** Tool calls without `index`, as the fixtures README lists them. */
export function calls(exchange: Pick<Exchange, 'toolCalls'>): Array<{ id: string; name: string; params: unknown }> {
  return exchange.toolCalls.map(({ id, name, params }) => ({ id, name, params }));
}

/** The usage counters that the fixtures README states. */
export function usageOf(u: Usage): { input: number; output: number; reasoning: number; total: number } {
  return { input: u.inputTokens, output: u.outputTokens, reasoning: u.reasoningTokens, total: u.totalTokens };
}
