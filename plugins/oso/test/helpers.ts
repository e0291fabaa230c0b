import { setTimeout as sleep } from 'node:timers/promises';
import type { Decision, PluginInput } from '@tollgate/core';
import { type FakeOso, type FakeOsoRule, type TestGateway, startTestGateway } from '@tollgate/testing';
import { type OsoPluginDeps, defineOsoPlugin } from '@tollgate/plugin-oso';

/** Client API keys of the test callers. */
export const KEYS = { alice: 'sk-client-alice-0001', bob: 'sk-client-bob-0002', ci: 'sk-client-ci-0003', carol: 'sk-client-carol-0004' } as const;

/** Logins of the test callers. */
export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const CAROL = 'carol@example.com';

/** A mock provider that speaks every client API format. */
export const MOCK_PROVIDERS = {
  mock: { baseurl: 'mock://', models: ['mock-1'], compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true } },
};

/** Identity section: API keys for alice, bob, carol and a tagged CI device. */
export const IDENTITY = {
  api_keys: {
    [KEYS.alice]: ALICE,
    [KEYS.bob]: BOB,
    [KEYS.carol]: { login: CAROL, groups: ['group:agents'] },
    [KEYS.ci]: { login: 'tag:ci', tags: ['tag:ci'] },
  },
  loopback: false,
};

/** A grant giving everyone a user role and every model. */
export const OPEN_GRANT = { src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } };

/** An allow row: `User:<login>` may `call` `Tool:<tool>`. */
export function allowTool(login: string, tool: string, extra: Partial<FakeOsoRule> = {}): FakeOsoRule {
  return { actor_type: 'User', actor_id: login, action: 'call', resource_type: 'Tool', resource_id: tool, ...extra };
}

/** OpenAI chat tool declarations. */
export const OPENAI_TOOLS = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function' as const, function: { name: 'delete_file', description: 'Deletes a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } },
];

/** Anthropic messages tool declarations. */
export const ANTHROPIC_TOOLS = [
  { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'delete_file', description: 'Deletes a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] } },
];

/** `enforce` options pointing at a fake Oso. */
export function enforceAt(oso: FakeOso, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: oso.url, apiKey: oso.apiKey, timeout: '1s', ...extra };
}

/** Options of {@link startOsoGateway}. */
export interface OsoGatewayOptions {
  /** Oso plugin options. */
  readonly oso: Record<string, unknown>;
  /** Plugins before the Oso plugin (default: grants). */
  readonly before?: readonly PluginInput[];
  /** Extra config sections (hooks, grants, ...). */
  readonly config?: Record<string, unknown>;
  /** Oso plugin deps. */
  readonly deps?: OsoPluginDeps;
}

/** Starts a gateway with the mock provider, API-key identities, an open grant and the Oso plugin. */
export function startOsoGateway(options: OsoGatewayOptions): Promise<TestGateway> {
  return startTestGateway({
    config: { providers: MOCK_PROVIDERS, identity: IDENTITY, grants: [OPEN_GRANT], ...options.config },
    plugins: [...(options.before ?? ['grants']), [defineOsoPlugin(options.deps), options.oso]],
  });
}

/** The Oso plugin's decisions of an exchange. */
export function osoDecisionsOf(decisions: readonly Decision[]): Decision[] {
  return decisions.filter((d) => d.plugin === 'oso');
}

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Parsed `data:` payloads of an SSE text (`[DONE]` skipped). */
export function sseData(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '' && d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

/** Tool names that reached the client in an OpenAI chat stream. */
export function openAiStreamToolNames(text: string): string[] {
  return sseData(text).flatMap((c) => (c.choices ?? []).flatMap((ch: any) => (ch.delta?.tool_calls ?? []).map((t: any) => t.function?.name).filter((n: unknown) => typeof n === 'string')));
}

/** Tool names that reached the client in an Anthropic messages stream. */
export function anthropicStreamToolNames(text: string): string[] {
  return sseData(text)
    .filter((e) => e.type === 'content_block_start' && e.content_block?.type === 'tool_use')
    .map((e) => e.content_block.name);
}
