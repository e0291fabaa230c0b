import grantsPlugin from '@tollgate/plugin-grants';
import { type QuotasOptions, defineQuotasPlugin } from '@tollgate/plugin-quotas';
import { type TestGateway, type TestGatewayOptions, startTestGateway } from '@tollgate/testing';

/** Aperture's grant capability key. */
export const AP = 'tailscale.com/cap/aperture';

/** 2026-01-01T00:00:00Z: where fake clocks start. */
export const T0 = Date.UTC(2026, 0, 1);

/** The model the tests price: served by the built-in mock LLM, priced as OpenAI's gpt-4.1-nano ($0.10 / $0.40 per million tokens). */
export const PRICED_MODEL = 'gpt-4.1-nano';

/** A model the price data does not know. */
export const UNPRICED_MODEL = 'mock-1';

/** API keys of the test callers. */
export const KEYS = { admin: 'key-admin-7731', alice: 'key-alice-1120', bob: 'key-bob-4402', free: 'key-free-9913' } as const;

/** A mock provider speaking every format, priced as OpenAI (so `gpt-4.1-nano` has a price and `mock-1` has none). */
export const PROVIDERS = {
  mock: {
    baseurl: 'mock://',
    models: [PRICED_MODEL, UNPRICED_MODEL],
    cost_basis: 'openai',
    compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true },
  },
};

/** Identities: an admin, two users under quotas, one user without any. */
export const IDENTITY = {
  loopback: false,
  api_keys: { [KEYS.admin]: 'admin@example.com', [KEYS.alice]: 'alice@example.com', [KEYS.bob]: 'bob@example.com', [KEYS.free]: 'free@example.com' },
};

/** Grants: the admin and the free user have no quota; alice and bob are charged to `daily:<user>` and `team`. */
export function quotaGrants(buckets: readonly string[] = ['daily:<user>', 'team']): unknown[] {
  return [
    { src: ['admin@example.com'], app: { [AP]: [{ role: 'admin', models: '**' }] } },
    { src: ['free@example.com'], app: { [AP]: [{ role: 'user', models: '**' }] } },
    { src: ['alice@example.com', 'bob@example.com'], app: { [AP]: [{ role: 'user', models: '**', quotas: buckets.map((bucket) => ({ bucket })) }] } },
  ];
}

/** A settable fake clock. */
export interface FakeClock {
  /** Now, in epoch milliseconds. */
  now: number;
  /** The clock function the plugin reads. */
  readonly read: () => number;
  /** Moves the clock forward. */
  advance(ms: number): void;
}

/** A fake clock starting at {@link T0}. */
export function fakeClock(start = T0): FakeClock {
  const clock: FakeClock = {
    now: start,
    read: () => clock.now,
    advance(ms) {
      clock.now += ms;
    },
  };
  return clock;
}

/** Options of {@link startQuotaGateway}. */
export interface QuotaGatewayOptions {
  /** The `quotas` section. */
  readonly quotas: Record<string, unknown>;
  /** Grants (default {@link quotaGrants}). */
  readonly grants?: unknown[];
  /** Plugin options. */
  readonly options?: Partial<QuotasOptions>;
  /** The clock. */
  readonly clock?: FakeClock;
  /** Extra top-level config. */
  readonly extra?: Record<string, unknown>;
  /** Reuse a data directory (keeps the SQLite store across gateways). */
  readonly dataDir?: string;
  /** More plugins after grants and quotas. */
  readonly plugins?: TestGatewayOptions['plugins'];
}

/** A gateway with grants and quotas on the mock provider, on 127.0.0.1:0. */
export function startQuotaGateway(o: QuotaGatewayOptions): Promise<TestGateway> {
  const quotas = defineQuotasPlugin(o.clock === undefined ? {} : { clock: o.clock.read });
  return startTestGateway({
    config: { providers: PROVIDERS, identity: IDENTITY, grants: o.grants ?? quotaGrants(), quotas: o.quotas, ...o.extra },
    plugins: [grantsPlugin, o.options === undefined ? quotas : [quotas, o.options], ...(o.plugins ?? [])],
    ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
  });
}

/** An HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;  
}

/** Sends a request (JSON body when given) and reads the whole answer. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** The bearer header of a caller. */
export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** One chat completion for `model` as the caller with `key`. */
export function chat(base: string, key: string, model = PRICED_MODEL, extra: Record<string, unknown> = {}): Promise<Answer> {
  return call(base, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hello' }], ...extra }, bearer(key));
}

/** `GET /api/quotas` as the caller with `key`: bucket name → view. */
export async function buckets(base: string, key: string): Promise<Record<string, any>> {  
  const res = await call(base, 'GET', '/api/quotas', undefined, bearer(key));
  if (res.status !== 200) throw new Error(`GET /api/quotas answered ${res.status}: ${res.text}`);
  return Object.fromEntries((res.body.buckets as Array<{ name: string }>).map((b) => [b.name, b]));
}
