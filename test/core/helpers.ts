import { type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { PluginInput } from '@tollgate/core';
import { type FakeUpstream, type Responder, type TestGateway, chunksToSse, deferred, readChunkLines, readFixture, startFakeUpstream, startTestGateway } from '@tollgate/testing';

export const BIN_SINGLE = 'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin';
export const BIN_PARALLEL = 'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin';
export const STREAM_FIXTURES = ['openai-text.chunks.txt', BIN_SINGLE, BIN_PARALLEL, 'groq-tool-call.chunks.txt', 'deepseek-tool-call.chunks.txt'] as const;

/** The provider key the test gateways hold; must never reach a client, a log or a hook. */
export const PROVIDER_KEY = 'sk-upstream-provider-key-7f3a9c';

/** The wire bytes of an openai-chat stream fixture (`.bin` as captured, `.chunks.txt` framed as SSE). */
export function fixtureWire(file: string): Buffer {
  if (file.endsWith('.bin')) return readFixture('openai-chat', file);
  return Buffer.from(chunksToSse('openai-chat', readChunkLines('openai-chat', file)).join(''));
}

/** SSE frames of a fixture, one per event (for responders that pause between events). */
export function fixtureFrames(file: string): string[] {
  return fixtureWire(file)
    .toString('utf8')
    .split(/(?<=\n\n)/)
    .filter((f) => f.length > 0);
}

/** Splits bytes into pieces of `size` bytes (chunk boundaries anywhere, also inside characters). */
export function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/**
 * A chat completions request body. A stream asks for usage (`stream_options.include_usage`) unless
 * `extra` says otherwise, as the stream fixtures were captured: the provider then sends their usage
 * chunk and the client gets it (without asking, tollgate asks and hides that chunk).
 */
export function chat(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const usage = extra.stream === true && !('stream_options' in extra) ? { stream_options: { include_usage: true } } : {};
  return { model, messages: [{ role: 'user', content: 'What is the weather in Edinburgh?' }], ...usage, ...extra };
}

export { type Deferred, deferred } from '@tollgate/testing';

/** A plain HTTP response, body read whole. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  json<T = any>(): T;
}

/** Sends a request with node:http (exact bytes, any method) and reads the whole response. */
export function send(url: string, options: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { path: options.path ?? '/v1/chat/completions', method: options.method ?? 'POST', headers: { 'content-type': 'application/json', ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs a JSON body to the chat completions path. */
export function postChat(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return send(url, { body: JSON.stringify(body), headers });
}

/** A streaming request in flight, its response read chunk by chunk. */
export interface OpenStream {
  /** Resolves with the response once its headers arrived. */
  readonly response: Promise<IncomingMessage>;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the text received so far satisfies `predicate`. */
  until(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves with everything once the response ends (or the connection closes). */
  done(): Promise<string>;
  /** Hangs up. */
  destroy(): void;
}

/** POSTs a JSON body to the chat completions path and returns at once; the response streams in. */
export function openStream(url: string, body: unknown, headers: Record<string, string> = {}): OpenStream {
  let text = '';
  const waiters: Array<{ predicate: (t: string) => boolean; resolve: (t: string) => void }> = [];
  const ended = deferred<string>();
  const response = deferred<IncomingMessage>();
  const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
    response.resolve(res);
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
      for (const w of [...waiters]) {
        if (w.predicate(text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(text);
        }
      }
    });
    res.on('end', () => ended.resolve(text));
    res.on('close', () => ended.resolve(text));
    res.on('error', () => ended.resolve(text));
  });
  req.on('error', () => ended.resolve(text));
  req.on('close', () => ended.resolve(text));
  req.end(JSON.stringify(body));
  return {
    response: response.promise,
    received: () => text,
    until(predicate) {
      if (predicate(text)) return Promise.resolve(text);
      return new Promise((r) => waiters.push({ predicate, resolve: r }));
    },
    done: () => ended.promise,
    destroy: () => req.destroy(),
  };
}

/** The `data:` payloads of an SSE text, parsed (`[DONE]` kept as the string). */
export function sseData(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((frame) => frame.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
    .filter((d) => d.length > 0)
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

/**
 * Resources of one test, closed after it: fake upstreams first (so that a request a test left
 * hanging fails at once instead of holding up the gateway's drain), then the rest, last first.
 */
export class Resources {
  readonly #upstreams: FakeUpstream[] = [];
  readonly #closers: Array<() => Promise<void>> = [];

  /** Starts a fake upstream closed after the test. */
  async upstream(...args: Parameters<typeof startFakeUpstream>): Promise<FakeUpstream> {
    const u = await startFakeUpstream(...args);
    this.#upstreams.push(u);
    return u;
  }

  /** Starts a test gateway closed after the test. */
  async gateway(...args: Parameters<typeof startTestGateway>): Promise<TestGateway> {
    const g = await startTestGateway(...args);
    this.#closers.push(() => g.close());
    return g;
  }

  /** A gateway routing `models` to `upstream` (provider `openai`, baseurl with `/v1`, key {@link PROVIDER_KEY}). */
  async gatewayFor(upstream: FakeUpstream, options: { models?: string[]; plugins?: PluginInput[]; config?: Record<string, unknown>; provider?: Record<string, unknown> } = {}): Promise<TestGateway> {
    return this.gateway({
      config: {
        providers: { openai: { baseurl: `${upstream.url}/v1`, apikey: PROVIDER_KEY, models: options.models ?? ['gpt-4o', 'gpt-4.1-nano'], ...options.provider } },
        ...options.config,
      },
      plugins: options.plugins ?? [],
    });
  }

  /** Registers a closer. */
  add(closer: () => Promise<void> | void): void {
    this.#closers.push(async () => closer());
  }

  /** Closes everything. */
  async close(): Promise<void> {
    await Promise.all(this.#upstreams.splice(0).map((u) => u.close()));
    for (const c of this.#closers.splice(0).reverse()) await c();
  }
}

/** Registers a {@link Resources} closed after each test of the enclosing `describe`. */
export function useResources(): Resources {
  const r = new Resources();
  afterEach(() => r.close());
  return r;
}

/** A chat completion stream as a client sees it, accumulated independently of core. */
export interface ClientView {
  content: string;
  calls: Array<{ index: number; id: string; name: string; arguments: string }>;
  finish: unknown;
  done: boolean;
  errors: unknown[];
}

/** Accumulates the choice-0 deltas of a chat completion stream (OpenAI SDK semantics, simplified). */
export function clientView(text: string): ClientView {
  const view: ClientView = { content: '', calls: [], finish: null, done: false, errors: [] };
  for (const d of sseData(text)) {
    if (d === '[DONE]') {
      view.done = true;
      continue;
    }
    const chunk = d as { error?: unknown; choices?: Array<{ index: number; delta?: { content?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> }; finish_reason?: unknown }> };
    if (chunk.error !== undefined) view.errors.push(chunk.error);
    for (const c of chunk.choices ?? []) {
      if (c.index !== 0) continue;
      if (typeof c.delta?.content === 'string') view.content += c.delta.content;
      for (const tc of c.delta?.tool_calls ?? []) {
        let call = view.calls.find((x) => x.index === tc.index);
        if (call === undefined) {
          call = { index: tc.index, id: '', name: '', arguments: '' };
          view.calls.push(call);
        }
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.arguments += tc.function.arguments;
      }
      if (c.finish_reason !== null && c.finish_reason !== undefined) view.finish = c.finish_reason;
    }
  }
  return view;
}

/** A responder that writes SSE frames in order, waiting before frame `i` for `waitBefore[i]`. */
export interface SteppedResponder {
  readonly responder: Responder;
  /** Resolves when the upstream response is closed before it was finished (the gateway hung up). */
  readonly hungUp: Promise<void>;
  /** Resolves once frame `i` was written. */
  written(i: number): Promise<void>;
}

/** Makes a {@link SteppedResponder}. */
export function steppedResponder(frames: readonly string[], waitBefore: Readonly<Record<number, Promise<unknown>>> = {}, headers: Record<string, string> = {}): SteppedResponder {
  const hungUp = deferred();
  const writtenFrames = frames.map(() => deferred());
  const responder: Responder = async (_req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) hungUp.resolve();
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
    res.flushHeaders();
    for (let i = 0; i < frames.length; i++) {
      if (waitBefore[i] !== undefined) await Promise.race([waitBefore[i], hungUp.promise]);
      if (res.destroyed) return;
      res.write(frames[i]);
      writtenFrames[i]?.resolve();
    }
    res.end();
  };
  return { responder, hungUp: hungUp.promise, written: (i) => writtenFrames[i]?.promise ?? Promise.resolve() };
}
