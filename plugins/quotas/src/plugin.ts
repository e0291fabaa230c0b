import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Denial,
  ESTIMATED_COST,
  type Exchange,
  type ModelDescription,
  type PluginDefinition,
  type PluginHost,
  QUOTA_BALANCES,
  type RequestContext,
  STAGE_AUTHORIZE,
  STAGE_DEFAULT,
  type TollgatePlugin,
  capabilitiesOf,
  createStateKey,
  definePlugin,
  durationMs,
} from '@tollgate/core';
import { DEFAULT_STORE_FILE, type StoreLease, acquireStore, databaseUrlOf } from '@tollgate/store';
import { QuotaAdmin } from './admin/quota-admin.js';
import { quotaRoutes } from './admin/quota-routes.js';
import { costConfigIssues } from './cost/cost-config-issues.js';
import { CostEstimator } from './cost/cost-estimator.js';
import { UnpricedLog } from './cost/unpriced-log.js';
import { estimatedCostPayload, quotaBalancePayload } from './payload.js';
import { admit, quotaDenial } from './quota/admission.js';
import { BucketMatcher } from './quota/bucket-pattern.js';
import { type CompiledQuotas, compileQuotas } from './quota/quota-definitions.js';
import { type ResolvedBucket, resolveQuotas } from './quota/resolve-quotas.js';
import { type BucketState, type Clock, refillBucket, systemClock } from './quota/token-bucket.js';
import { AutoCostBasisSchema, type QuotasConfig, QuotasOptionsSchema, type QuotasOptions, QuotasSchema } from './schema.js';
import { BalanceReader } from './store/balance-reader.js';
import { BucketStore } from './store/bucket-store.js';
import { ChargeQueue, type ChargeQueueStats } from './store/charge-queue.js';
import { QUOTAS_MIGRATIONS, STORE_NAMESPACE } from './store/migrations.js';
import { type ProviderCostConfig, type QuotaBalancePayload, PLUGIN_NAME } from './types.js';

/**
 * Stage of the quota check in `onRequest`: after the grants plugin (stage authorize), whose
 * capabilities name the buckets, and before guardrails (stage guardrail), so that a request over
 * its budget never reaches a `pre_request` hook or the provider.
 */
export const STAGE_QUOTAS = STAGE_AUTHORIZE + 50;

/** Machine code of the refusal of an unpriced model for a caller under a quota (`refuse_unpriced`). */
export const UNPRICED_CODE = 'model_unpriced';

/** The buckets a request was admitted against; read back in `settle` to charge them. */
const ADMITTED = createStateKey<readonly ResolvedBucket[]>('tollgate.quotas.admitted');

/** What the plugin is built from: its sections (validated by core) and options. */
export interface QuotasPluginConfig {
  /** The `quotas` section. */
  readonly quotas: QuotasConfig;
  /** The top-level `auto_cost_basis`. @default true */
  readonly autoCostBasis?: boolean;
  /** Plugin options (defaults when absent). */
  readonly options?: Partial<QuotasOptions>;
}

/** Dependencies a test or an embedder injects. */
export interface QuotasPluginDeps {
  /** The clock (milliseconds since the epoch) for refills, charges and `Retry-After`. @default Date.now */
  readonly clock?: Clock;
}

/** What {@link QuotasPlugin.stats} reports. */
export interface QuotasStats {
  /** Exchanges whose model had no known price (cost `null`), since start. */
  readonly unpriced: number;
  /** The charge writer's counters (absent when no quota is configured). */
  readonly charges?: ChargeQueueStats;
}

type Logger = PluginHost['logger'];

const DEFAULT_OPTIONS: QuotasOptions = { refuse_unpriced: false, unpriced_warn_interval: '10m', charge_timeout: '5s' };

/**
 * Cost estimation and Aperture's dollar quotas. Every exchange the provider answered gets its
 * estimated cost under core's `ESTIMATED_COST` (`dollars: null` when the model has no known
 * price). Requests whose grants reference quotas are admitted only while every bucket is
 * positive (429 with `Retry-After` otherwise); after the answer, its cost is charged to each
 * bucket with one atomic statement, and the balances are published under `QUOTA_BALANCES`.
 */
export class QuotasPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key and error field. */
  readonly name = PLUGIN_NAME;
  readonly #compiled: CompiledQuotas;
  readonly #autoCostBasis: boolean;
  readonly #options: QuotasOptions;
  readonly #clock: Clock;
  readonly #chargeTimeoutMs: number;
  #log: Logger | undefined;
  #costs: CostEstimator | undefined;
  #unpriced: UnpricedLog | undefined;
  #lease: StoreLease | undefined;
  #buckets: BucketStore | undefined;
  #reader: BalanceReader | undefined;
  #charges: ChargeQueue | undefined;

  constructor(config: QuotasPluginConfig, deps: QuotasPluginDeps = {}) {
    this.#compiled = compileQuotas(config.quotas);
    this.#autoCostBasis = config.autoCostBasis ?? true;
    this.#options = { ...DEFAULT_OPTIONS, ...config.options };
    this.#clock = deps.clock ?? systemClock;
    this.#chargeTimeoutMs = durationMs(this.#options.charge_timeout);
  }

  /** True when the configuration defines at least one quota (the store is used only then). */
  get enforcing(): boolean {
    return this.#compiled.quotas.size > 0;
  }

  /**
   * Taps `onRequest` at {@link STAGE_QUOTAS} (admission), `settle` (cost, charges),
   * `describeModels` (prices), `ready` / `close` (the store) and, with quotas configured,
   * `checkHealth` (component `quota_store`). Serves the quota admin API.
   */
  apply(host: PluginHost): void {
    const log = host.logger.child({ plugin: this.name });
    this.#log = log;
    this.#costs = new CostEstimator(host.config.providers, this.#autoCostBasis);
    this.#unpriced = new UnpricedLog(log, durationMs(this.#options.unpriced_warn_interval), this.#clock);
    const hooks = host.hooks;
    hooks.settle.tapPromise({ name: this.name, stage: STAGE_DEFAULT }, (exchange) => this.settle(exchange));
    hooks.describeModels.tap({ name: this.name, stage: STAGE_DEFAULT }, (models) => this.describe(models));
    const admin = new QuotaAdmin({ quotas: this.#compiled.quotas, matcher: new BucketMatcher(this.#compiled.quotas), buckets: () => this.#buckets, clock: this.#clock });
    for (const route of quotaRoutes(admin)) host.routes.add(route);
    // Also without quotas: a grant's reference to an undefined quota is refused (fails closed).
    hooks.onRequest.tapPromise({ name: this.name, stage: STAGE_QUOTAS }, (ctx) => this.admit(ctx));
    hooks.ready.tapPromise(this.name, () => this.#open(host, log));
    hooks.close.tapPromise(this.name, () => this.#close());
    if (this.enforcing) {
      hooks.checkHealth.tapPromise(this.name, async (report) => {
        const store = this.#lease?.store;
        if (store === undefined) report.set('quota_store', false, 'not open');
        else if (await store.ping()) report.set('quota_store', true);
        else report.set('quota_store', false, `unreachable (${store.dialect})`);
      });
    }
  }

  /** Counters: unpriced exchanges, and the charge writer's. */
  stats(): QuotasStats {
    return { unpriced: this.#unpriced?.total ?? 0, ...(this.#charges === undefined ? {} : { charges: this.#charges.stats() }) };
  }

  /**
   * Admission (`onRequest`): the buckets the caller's grants charge for this request must all be
   * positive now. Fails closed (429) when a referenced quota is undefined or cannot be parsed,
   * and (503) when the store cannot be read. Publishes the balances read under `QUOTA_BALANCES`.
   */
  async admit(ctx: RequestContext): Promise<Denial | undefined> {
    const resolution = resolveQuotas({ capabilities: capabilitiesOf(ctx), quotas: this.#compiled.quotas, identity: ctx.identity });
    if (!resolution.ok) {
      ctx.recordDecision({ plugin: this.name, subject: 'quota', allowed: false, reason: 'quota configuration error', data: { failures: resolution.failures } });
      ctx.log.warn({ plugin: this.name, failures: resolution.failures }, 'request refused: its quotas cannot be enforced');
      return quotaDenial(resolution);
    }
    const buckets = resolution.buckets;
    if (buckets.length === 0) return undefined;
    if (this.#options.refuse_unpriced && !(this.#costs as CostEstimator).isPriced(ctx.provider.id, ctx.model)) {
      ctx.recordDecision({ plugin: this.name, subject: 'quota', allowed: false, reason: 'model has no known price' });
      return { status: 403, kind: 'permission', code: UNPRICED_CODE, message: `model "${ctx.requestedModel}" has no known price, so its cost cannot be charged to your quota`, by: this.name };
    }
    const start = performance.now();
    let stored: Map<string, BucketState>;
    try {
      stored = await (this.#reader as BalanceReader).read(buckets.map((b) => b.name));
    } catch (err) {
      ctx.log.error({ plugin: this.name, err }, 'quota store unreadable: request refused');
      return { status: 503, kind: 'unavailable', code: 'quota_store_unavailable', message: 'quota balances cannot be read right now; try again later', headers: { 'Retry-After': '5' }, by: this.name };
    }
    const now = this.#clock();
    const admission = admit(buckets.map((b) => ({ name: b.name, limits: b.definition.limits, state: stored.get(b.name) })), now);
    const balances: Record<string, QuotaBalancePayload> = Object.fromEntries(
      buckets.map((b) => [b.name, quotaBalancePayload(b.definition.limits, refillBucket(stored.get(b.name), b.definition.limits, now))]),
    );
    ctx.state.set(QUOTA_BALANCES, balances);
    const data = { balances: Object.fromEntries(Object.entries(balances).map(([k, v]) => [k, v.current])) };
    if (!admission.admitted) {
      ctx.recordDecision({ plugin: this.name, subject: 'quota', allowed: false, reason: 'quota exceeded', durationMs: performance.now() - start, data: { ...data, exhausted: admission.exhausted } });
      ctx.log.warn({ plugin: this.name, exhausted: admission.exhausted, retryAfter: admission.retryAfterSeconds }, 'request refused: quota exceeded');
      return quotaDenial(admission);
    }
    ctx.state.set(ADMITTED, buckets);
    ctx.recordDecision({ plugin: this.name, subject: 'quota', allowed: true, reason: 'quota available', durationMs: performance.now() - start, data });
    return undefined;
  }

  /**
   * Accounting (`settle`): prices the exchange (when the provider answered), publishes
   * `ESTIMATED_COST`, notes an unpriced model, charges the cost to each bucket the request was
   * admitted against and publishes the balances after the charge under `QUOTA_BALANCES`.
   */
  async settle(exchange: Exchange): Promise<void> {
    const provider = exchange.provider;
    if (provider === undefined || exchange.upstreamStatus === undefined) return;
    const usage = exchange.usage;
    if (exchange.upstreamStatus >= 400 && usage.inputTokens + usage.outputTokens === 0) return;
    const estimate = (this.#costs as CostEstimator).estimate(provider.id, exchange.model, usage, exchange.timings.startedAt);
    exchange.state.set(ESTIMATED_COST, estimatedCostPayload(estimate));
    if (estimate.nanodollars === null) this.#unpriced?.note(provider.id, exchange.model, estimate, (this.#costs as CostEstimator).isUnpricedMock(provider.id));
    const buckets = exchange.state.get(ADMITTED);
    const queue = this.#charges;
    if (buckets === undefined || queue === undefined || !estimate.nanodollars) return;
    const now = this.#clock();
    const cost = estimate.nanodollars;
    const charged = Promise.all(buckets.map((b) => queue.charge({ name: b.name, limits: b.definition.limits, now, cost }).then((state) => [b, state] as const)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.#chargeTimeoutMs)));
    try {
      const after = await Promise.race([charged, timeout]);
      if (after === undefined) {
        exchange.state.set(QUOTA_BALANCES, {}); // the balances before the charge would be stale
        this.#log?.warn({ requestId: exchange.requestId, timeoutMs: this.#chargeTimeoutMs }, 'quota charge still waiting for the store; observers run without balances (the charge stays queued)');
        return;
      }
      exchange.state.set(QUOTA_BALANCES, Object.fromEntries(after.map(([b, state]) => [b.name, quotaBalancePayload(b.definition.limits, state)])));
    } finally {
      clearTimeout(timer);
      charged.catch(() => undefined); // a dropped charge is counted and logged by the queue
    }
  }

  /** `describeModels`: each model's prices, when known (`GET /api/models`). */
  describe(models: ModelDescription[]): ModelDescription[] {
    const costs = this.#costs as CostEstimator;
    const now = this.#clock();
    return models.map((m) => {
      const pricing = costs.pricing(m.provider, m.id, now);
      return pricing === undefined ? m : { ...m, pricing };
    });
  }

  /**
   * Opens the store, migrates it, removes the buckets of quotas no longer configured and caps the
   * balances above a lowered capacity. Without
   * quotas, only to remove old buckets, and only when a store already exists (a PostgreSQL URL, or
   * the SQLite file): a gateway that never had quotas creates nothing.
   */
  async #open(host: PluginHost, log: Logger): Promise<void> {
    const url = databaseUrlOf(host.config);
    if (!this.enforcing && url === undefined && !existsSync(resolve(host.dataDir, DEFAULT_STORE_FILE))) return;
    const lease = await acquireStore({ url, dataDir: host.dataDir, logger: log });
    try {
      await lease.store.migrate(STORE_NAMESPACE, QUOTAS_MIGRATIONS);
      const buckets = new BucketStore(lease.store);
      const matcher = new BucketMatcher(this.#compiled.quotas);
      const stored = await buckets.list();
      const removed = stored.map((b) => b.name).filter((name) => matcher.quotaOf(name) === undefined);
      if (removed.length > 0) log.info({ buckets: removed.length, removed: await buckets.remove(removed) }, 'quota buckets removed: their quotas are no longer configured');
      const over = stored.flatMap((b): Array<[string, number]> => {
        const quota = matcher.quotaOf(b.name);
        return quota?.ok === true && b.state.balance > quota.limits.capacity ? [[b.name, quota.limits.capacity]] : [];
      });
      if (over.length > 0) log.info({ buckets: over.length, capped: await buckets.capBalances(over) }, 'quota balances capped at their lowered capacity');
      if (!this.enforcing) {
        await lease.release();
        return;
      }
      this.#buckets = buckets;
      this.#reader = new BalanceReader(buckets);
      this.#charges = new ChargeQueue(buckets, () => lease.store.ping(), { logger: log });
      this.#lease = lease;
    } catch (err) {
      await lease.release();
      throw err;
    }
  }

  async #close(): Promise<void> {
    await this.#charges?.close();
    await this.#lease?.release();
    this.#lease = undefined;
  }
}

/**
 * The quotas plugin definition with injected dependencies (a fake clock in tests):
 * `createGateway({ plugins: ['grants', defineQuotasPlugin({ clock })] })`. Sections, options and
 * checks are those of the default.
 */
export function defineQuotasPlugin(deps: QuotasPluginDeps = {}): PluginDefinition<QuotasOptions> {
  return definePlugin<QuotasOptions>({
    name: PLUGIN_NAME,
    core: '^0.1.0',
    options: QuotasOptionsSchema,
    sections: { quotas: QuotasSchema, auto_cost_basis: AutoCostBasisSchema },
    check: ({ sections, config }) => [
      ...compileQuotas(sections.quotas as QuotasConfig).issues,
      ...costConfigIssues({ providers: config.providers as Readonly<Record<string, ProviderCostConfig>>, autoCostBasis: sections.auto_cost_basis as boolean }),
    ],
    create: (options, { sections }) => new QuotasPlugin({ quotas: sections.quotas as QuotasConfig, autoCostBasis: sections.auto_cost_basis as boolean, options }, deps),
  });
}

/**
 * The plugin definition core loads (`"plugins": ["quotas"]`, or by default). Owns the `quotas`
 * and `auto_cost_basis` sections; options: `refuse_unpriced`, `unpriced_warn_interval`,
 * `charge_timeout` (see the README).
 */
export const quotasPlugin: PluginDefinition<QuotasOptions> = defineQuotasPlugin();
