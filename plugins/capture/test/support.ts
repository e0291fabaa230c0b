import { type Denial, type PluginInput, STAGE_GUARDRAIL, type TollgatePlugin, deny } from '@tollgate/core';
import { type CaptureClock, type CapturePlugin, captureOf, defineCapturePlugin } from '@tollgate/plugin-capture';
import grantsPlugin from '@tollgate/plugin-grants';
import { type TestGateway, startTestGateway } from '@tollgate/testing';

/** Client API keys: alice is an admin, bob and carol are users. */
export const KEYS = { alice: 'tg-capture-alice-key-1111', bob: 'tg-capture-bob-key-2222', carol: 'tg-capture-carol-key-3333' } as const;

/** The mock LLM, open to every API format. */
export const MOCK_PROVIDER = {
  mock: {
    baseurl: 'mock://',
    models: ['mock-1'],
    compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true },
  },
};

/** Grants: alice admin, bob and carol users, everyone every model. */
export const GRANTS = [
  { src: ['alice@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }, { models: '**' }] } },
  { src: ['bob@example.com', 'carol@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } },
];

/** A config of the mock, the three callers and their grants, plus `extra` sections. */
export function captureConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: MOCK_PROVIDER,
    identity: { api_keys: { [KEYS.alice]: { login: 'alice@example.com', name: 'Alice Admin' }, [KEYS.bob]: 'bob@example.com', [KEYS.carol]: 'carol@example.com' }, loopback: false },
    grants: GRANTS,
    ...extra,
  };
}

/** Name of the test's tool-call policy plugin (what `decided_by` says). */
export const POLICY = 'test-policy';

/**
 * A tool-call policy: a call whose arguments mention "block" is blocked, "strip" stripped, anything
 * else allowed; the reason names the word.
 */
export const policyPlugin: TollgatePlugin = {
  name: POLICY,
  apply(host) {
    host.hooks.onToolCall.tap({ name: POLICY, stage: STAGE_GUARDRAIL }, ({ call }): Denial | undefined => {
      const args = JSON.stringify(call.params);
      if (args.includes('block')) return deny(`no blocking words in ${call.name}`, { action: 'block' });
      if (args.includes('strip')) return deny(`no stripping words in ${call.name}`, { action: 'strip' });
      return undefined;
    });
  },
};

/** A gateway with grants, capture (with `clock`) and the policy. */
export async function startCaptureGateway(options: { config?: Record<string, unknown>; clock?: CaptureClock; plugins?: PluginInput[]; dataDir?: string; captureOptions?: Record<string, unknown> } = {}): Promise<TestGateway & { capture: CapturePlugin }> {
  const capture = defineCapturePlugin({ clock: options.clock });
  const gw = await startTestGateway({
    config: options.config ?? captureConfig(),
    plugins: [grantsPlugin, options.captureOptions === undefined ? capture : [capture, options.captureOptions], policyPlugin, ...(options.plugins ?? [])],
    dataDir: options.dataDir,
    recordExchanges: false,
  });
  const plugin = captureOf(gw.gateway);
  if (plugin === undefined) throw new Error('capture plugin not loaded');
  return Object.assign(gw, { capture: plugin });
}

/** GETs a read-API path as `key`; returns status, headers and the parsed body (or text). */
export async function api<T = Record<string, unknown>>(url: string, path: string, key: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: T; text: string }> {
  const res = await fetch(`${url}${path}`, { headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...headers } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV or empty
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}
