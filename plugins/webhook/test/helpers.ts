import { setTimeout as sleep } from 'node:timers/promises';
import { type Identity, type PluginDefinition, type PluginInput, type RequestContext, STAGE_AUTHENTICATE, STAGE_AUTHORIZE, createIdentity, definePlugin } from '@tollgate/core';
import { EFFECTIVE_CAPABILITIES, type EffectiveCapabilities, type HookWiring } from '@tollgate/plugin-grants';
import { type TestGateway, startTestGateway } from '@tollgate/testing';
import { Dispatcher, Pool } from 'undici';
import { type WebhookPluginDeps, defineWebhookPlugin } from '@tollgate/plugin-webhook';

/** A hook wiring as the grants plugin computes it. */
export function wiring(name: string, events: readonly string[], send: readonly string[] = []): HookWiring {
  return { name, events: new Set(events), send: new Set(send) };
}

/** Effective capabilities with the given hooks. */
export function caps(hooks: readonly HookWiring[], extra: Partial<EffectiveCapabilities> = {}): EffectiveCapabilities {
  return { role: 'user', modelAllowed: true, hooks: new Map(hooks.map((h) => [h.name, h])), quotas: [], addHeaders: [], custom: {}, matchedGrants: [0], ...extra };
}

/** The identity the test plugin gives every caller. */
export const ALICE: Identity = createIdentity({ login: 'alice@example.com', resolver: 'test', tailnetName: 'example.ts.net', stableNodeId: 'nStable123CNTRL' });

/**
 * Stands in for the grants plugin: identifies every caller as {@link ALICE} and stores the given
 * capabilities (stage authorize), optionally running `also` (to set cost or quota state).
 */
export function capsPlugin(source: EffectiveCapabilities | ((ctx: RequestContext) => EffectiveCapabilities | undefined), also?: (ctx: RequestContext) => void): PluginDefinition {
  return definePlugin({
    name: 'test-caps',
    create: () => ({
      name: 'test-caps',
      apply(host) {
        host.hooks.identify.tap({ name: 'test-caps', stage: STAGE_AUTHENTICATE }, () => ALICE);
        host.hooks.onRequest.tap({ name: 'test-caps', stage: STAGE_AUTHORIZE }, (ctx) => {
          const c = typeof source === 'function' ? source(ctx) : source;
          if (c !== undefined) ctx.state.set(EFFECTIVE_CAPABILITIES, c);
          also?.(ctx);
          return undefined;
        });
      },
    }),
  });
}

/** A mock provider open to every client API format. */
export const MOCK_PROVIDERS = {
  mock: { baseurl: 'mock://', models: ['mock-1'], compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true } },
};

/** A tool the mock LLM will call. */
export const WEATHER_TOOL = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** Options of {@link startHookGateway}. */
export interface HookGatewayOptions {
  /** The `hooks` section. */
  readonly hooks: Record<string, unknown>;
  /** Capabilities every request gets (or a function of the request). */
  readonly caps?: EffectiveCapabilities | ((ctx: RequestContext) => EffectiveCapabilities | undefined);
  /** Runs after the capabilities are set. */
  readonly also?: (ctx: RequestContext) => void;
  /** Webhook plugin options. */
  readonly webhook?: Record<string, unknown>;
  /** Extra config sections. */
  readonly config?: Record<string, unknown>;
  /** Plugins instead of the test capabilities plugin (e.g. the real grants plugin). */
  readonly plugins?: readonly PluginInput[];
  /** Extra plugins, after the webhook plugin. */
  readonly extraPlugins?: readonly PluginInput[];
  /** Data directory (default: a fresh temporary one). */
  readonly dataDir?: string;
  /** Webhook plugin dependencies. */
  readonly deps?: WebhookPluginDeps;
  /** Record exchanges with the test recorder (default true; it keeps every response part). */
  readonly recordExchanges?: boolean;
}

/** Starts a gateway with the mock LLM, a capabilities plugin and the webhook plugin. */
export function startHookGateway(options: HookGatewayOptions): Promise<TestGateway> {
  const webhook = defineWebhookPlugin(options.deps);
  const first = options.plugins ?? [capsPlugin(options.caps ?? caps([]), options.also)];
  return startTestGateway({
    config: { providers: MOCK_PROVIDERS, hooks: options.hooks, ...options.config },
    plugins: [...first, options.webhook === undefined ? webhook : [webhook, options.webhook], ...(options.extraPlugins ?? [])],
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.recordExchanges === undefined ? {} : { recordExchanges: options.recordExchanges }),
  });
}

/** A client response. */
export interface ClientResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** POSTs JSON to the gateway. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<ClientResponse> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'webhook-test/1.0', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // streamed or not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** An OpenAI chat request to the gateway. */
export function chat(gw: TestGateway, content = 'hello there', extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<ClientResponse> {
  return post(`${gw.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content }], ...extra }, headers);
}

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * An undici dispatcher that sends every request to `target` whatever its URL, keeping path and
 * headers: lets a config name a real receiver (`https://api.osohq.com/...`) verbatim while the
 * test's fake receiver answers.
 */
export class RedirectDispatcher extends Dispatcher {
  readonly #pool: Pool;
  /** Origins requests were addressed to. */
  readonly origins: string[] = [];

  constructor(target: string) {
    super();
    this.#pool = new Pool(target);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.origins.push(String(options.origin));
    return this.#pool.dispatch({ ...options, origin: undefined }, handler);
  }

  override async close(): Promise<void> {
    await this.#pool.close();
  }
}
