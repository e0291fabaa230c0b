import { type Identity, type PluginDefinition, type PluginHost, STAGE_GUARDRAIL, type TollgatePlugin, definePlugin, durationMs } from '@tollgate/core';
import { callerKey, compileSrc, srcMatches } from '@tollgate/plugin-grants';
import { groupsOf, hooksOf, osoConfigIssues } from './config-check.js';
import { OsoChecker } from './oso-checker.js';
import { createOsoClient } from './oso-client.js';
import { type OsoOptions, OsoOptionsSchema } from './schema.js';
import { type TelemetryPlan, planTelemetry } from './telemetry-plan.js';
import { addDecisionsToOsoPayloads, contributeTelemetry } from './telemetry-wiring.js';
import { ToolPolicy } from './tool-policy.js';
import { type OsoCheckClient, type OsoPluginDeps, PLUGIN_NAME } from './types.js';

/** What the plugin reads from the rest of the configuration. */
export interface OsoPluginContext {
  /** The `groups` section (for `users` / `enforce.users` entries naming groups). */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /** The `hooks` section, as configured (to reuse an endpoint that already posts to Oso). */
  readonly hooks?: Readonly<Record<string, unknown>>;
}

/**
 * Oso for tollgate. Telemetry (short form): with `apiKey`, the requests of `users` are sent to
 * Oso for Agents through the webhook plugin, as the seed's `hooks.oso` + `send_hooks` grant would.
 * Enforcement: with `enforce`, every tool call is authorized with Oso Cloud before it reaches the
 * client (`onToolCall`, stage guardrail), and optionally the tools a request declares are
 * filtered (`onRequest`, stage guardrail). Without options it does nothing.
 */
export class OsoPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key, decision `plugin`. */
  readonly name = PLUGIN_NAME;
  readonly #options: OsoOptions;
  readonly #context: OsoPluginContext;
  readonly #deps: OsoPluginDeps;
  #policy: ToolPolicy | undefined;

  constructor(options: OsoOptions, context: OsoPluginContext = {}, deps: OsoPluginDeps = {}) {
    this.#options = options;
    this.#context = context;
    this.#deps = deps;
  }

  /** The enforcement policy of the applied runtime (`undefined` without `enforce`). */
  get policy(): ToolPolicy | undefined {
    return this.#policy;
  }

  /** Contributes telemetry to the webhook plugin and taps `onToolCall` / `onRequest` / `ready` / `close` for enforcement. */
  apply(host: PluginHost): void {
    const o = this.#options;
    const hooks = this.#context.hooks ?? hooksOf(host.config);
    let plan: TelemetryPlan | undefined;
    if (o.apiKey !== undefined && o.telemetry) {
      host.secrets.add(o.apiKey);
      const planned = planTelemetry(o, hooks);
      if ('error' in planned) throw new Error(`${planned.field}: ${planned.error}`);
      plan = planned;
      contributeTelemetry(host, plan, o, compileSrc(o.users, this.#context.groups ?? groupsOf(host.config)));
    }
    if (o.enforce === undefined) return;
    this.#applyEnforcement(host, o.enforce);
    if (o.send_decisions) addDecisionsToOsoPayloads(host, hooks, plan);
  }

  #applyEnforcement(host: PluginHost, e: NonNullable<OsoOptions['enforce']>): void {
    const apiKey = e.apiKey ?? this.#options.apiKey;
    if (apiKey === undefined) throw new Error('enforce.apiKey is required (or set the plugin\'s "apiKey")');
    host.secrets.add(apiKey);
    const timeoutMs = durationMs(e.timeout);
    const log = host.logger.child({ plugin: this.name });
    // Building a client opens nothing: the SDK is loaded in `ready` and connects on the first check.
    const client: OsoCheckClient = (this.#deps.createClient ?? createOsoClient)({ url: e.url, apiKey, timeoutMs, retries: e.retries, userAgent: `tollgate/${host.coreVersion} (plugin-oso)` });
    const users = compileSrc(e.users, this.#context.groups ?? groupsOf(host.config));
    const everyone = users.everyone;
    const policy = new ToolPolicy({
      options: e,
      cacheTtlMs: durationMs(e.cache_ttl),
      checker: new OsoChecker({ client, timeoutMs, maxConcurrency: e.max_concurrency }),
      applies: everyone ? () => true : (identity: Identity) => srcMatches(users, callerKey(identity)),
      now: this.#deps.now ?? Date.now,
      log,
    });
    this.#policy = policy;
    host.hooks.onToolCall.tapPromise({ name: this.name, stage: STAGE_GUARDRAIL }, (tc) => policy.checkCall(tc));
    if (e.filter_tools) host.hooks.onRequest.tapPromise({ name: this.name, stage: STAGE_GUARDRAIL }, (ctx) => policy.filterRequest(ctx));
    host.hooks.ready.tapPromise(this.name, async () => {
      await client.ready?.();
    });
    host.hooks.close.tap(this.name, () => client.close?.());
  }
}

/**
 * The Oso plugin definition with injected dependencies (an Oso client factory, a clock), for
 * programmatic use and tests: `createGateway({ plugins: [[defineOsoPlugin({ createClient }), {...}]] })`.
 */
export function defineOsoPlugin(deps: OsoPluginDeps = {}): PluginDefinition<OsoOptions> {
  return definePlugin<OsoOptions>({
    name: PLUGIN_NAME,
    options: OsoOptionsSchema,
    core: '^0.1.0',
    check: ({ options, config, plugins }) => osoConfigIssues(options, config, plugins),
    create: (options, { config }) => new OsoPlugin(options, { groups: groupsOf(config), hooks: hooksOf(config) }, deps),
  });
}

/** The plugin definition core loads (`"plugins": [["oso", {...}]]`, or by default, options `{}`: a no-op). */
export const osoPlugin: PluginDefinition<OsoOptions> = defineOsoPlugin();
