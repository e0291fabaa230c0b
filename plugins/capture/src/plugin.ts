import {
  type Exchange,
  type PluginDefinition,
  type PluginHost,
  STAGE_AUTHENTICATE,
  STAGE_OBSERVE,
  type TollgatePlugin,
  byteSizeValue,
  definePlugin,
  durationMs,
} from '@tollgate/core';
import { type StoreLease, type StoreLogger, acquireStore } from '@tollgate/store';
import type { Kysely } from 'kysely';
import { CAPTURE_MIGRATIONS, CAPTURE_NAMESPACE } from './migrations.js';
import { type PurgeResult, purgeOnce } from './purge.js';
import { readApiRoutes } from './read-api/routes.js';
import { type RecordOptions, captureRecord } from './record.js';
import { type RetentionPolicy, retentionIssues, retentionPolicy } from './retention.js';
import { type CaptureOptions, CaptureOptionsSchema, type DatabaseConfig, DatabaseSchema } from './schema.js';
import { type SinkLease, acquireSink, checkInsertColumns } from './sink.js';
import { publishCaptureStats } from './stats-registry.js';
import type { CaptureTables } from './tables.js';
import { type CapturePluginDeps, type CaptureStats, PLUGIN_NAME } from './types.js';

/**
 * Records every identified exchange (who, what, when, usage, cost, each tool call and what policy
 * decided about it, and, as `database.retention` says, the bodies and headers) in the store
 * (`@tollgate/store`: SQLite in the data directory, or PostgreSQL at `database.url`), off the
 * request path; serves the read API (`/api/requests`, `/api/sessions`, `/api/tool-use`,
 * `/api/usage`); purges old captures.
 */
export class CapturePlugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  readonly #database: DatabaseConfig;
  readonly #options: CaptureOptions;
  readonly #policy: RetentionPolicy;
  readonly #deps: CapturePluginDeps;
  #store: StoreLease | undefined;
  #sink: SinkLease | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;
  #purging: Promise<PurgeResult | undefined> | undefined;
  #lastPurge: PurgeResult | undefined;
  #unidentified = 0;
  /** Exchanges between `settle` and the end of `onResponse` (awaited at close). */
  #pending = 0;
  #idle: (() => void)[] = [];

  constructor(database: DatabaseConfig, options: CaptureOptions, deps: CapturePluginDeps = {}) {
    this.#database = database;
    this.#options = options;
    this.#policy = retentionPolicy(database);
    this.#deps = deps;
  }

  /**
   * Adds the read API's routes; opens the store and runs its migrations in `ready` (a store that
   * cannot be opened fails start-up); taps `settle` (to know which exchanges are on their way),
   * `onResponse` (stage observe, reading only what it declared) to queue each record, `onRequest`
   * (to declare the response parts it keeps), `checkHealth` (reports `capture_store`; an unreachable store makes `/readyz` answer 503) and
   * `close` (writes what is buffered, then releases the store).
   */
  apply(host: PluginHost): void {
    const log = host.logger.child({ plugin: this.name });
    const now = (): number => (this.#deps.clock ?? Date).now();
    const recordOptions: RecordOptions = {
      payloads: this.#policy.keepCaptures,
      tools: this.#policy.keepTools,
      raws: this.#database.save_raws && this.#policy.keepCaptures,
      encryptedBlobs: this.#database.keep_encrypted_blobs,
      maxBodyBytes: byteSizeValue(this.#options.max_body_size),
      secrets: host.secrets,
    };
    for (const route of readApiRoutes({ db: () => this.#db(), now, stats: () => this.stats() })) host.routes.add(route);
    publishCaptureStats(host, () => this.stats());

    host.hooks.ready.tapPromise(this.name, async () => {
      const lease = await acquireStore({ url: this.#database.url.trim() || undefined, dataDir: host.dataDir, logger: log });
      try {
        await lease.store.migrate(CAPTURE_NAMESPACE, CAPTURE_MIGRATIONS);
        await checkInsertColumns(lease.store);
      } catch (err) {
        await lease.release();
        throw err;
      }
      this.#store = lease;
      this.#sink = acquireSink(lease.store, {
        logger: log,
        maxBufferedRecords: this.#options.max_buffered_records,
        maxBufferedBytes: byteSizeValue(this.#options.max_buffered_bytes),
      });
      log.info({ dialect: lease.store.dialect, location: lease.store.location, keepCaptures: this.#policy.keepCaptures, retentionMs: this.#policy.maxAgeMs ?? null }, 'capture store open');
      if (this.#policy.purges) this.#schedulePurge(log, durationMs(this.#options.purge_interval));
    });

    if (recordOptions.payloads) {
      const parts = { body: true, rawResponses: recordOptions.raws };
      host.hooks.onRequest.tap({ name: this.name, stage: STAGE_OBSERVE }, (ctx) => {
        ctx.keepResponse(parts);
        return undefined;
      });
    }
    // `settle` runs for every exchange before `onResponse`: counting there lets `close` wait for
    // exchanges whose observers have not run yet.
    host.hooks.settle.tap({ name: this.name, stage: STAGE_AUTHENTICATE }, () => {
      this.#pending++;
    });
    host.hooks.onResponse.tap({ name: this.name, stage: STAGE_OBSERVE, response: 'declared' }, (exchange: Exchange) => {
      try {
        if (exchange.identity === undefined) {
          this.#unidentified++;
          return;
        }
        const sink = this.#sink;
        if (sink === undefined) return;
        sink.writer.push(captureRecord(exchange, recordOptions));
      } finally {
        this.#settled();
      }
    });
    host.hooks.checkHealth.tapPromise(this.name, async (report) => {
      const store = this.#store?.store;
      if (store === undefined) report.set('capture_store', false, 'not open');
      else if (await store.ping()) report.set('capture_store', true);
      else report.set('capture_store', false, `unreachable (${store.dialect})`);
    });
    host.hooks.close.tapPromise(this.name, async () => {
      clearTimeout(this.#purgeTimer);
      this.#purgeTimer = undefined;
      const timeout = durationMs(this.#options.flush_timeout);
      await this.#whenIdle(timeout);
      await this.#purging?.catch(() => undefined);
      await this.#sink?.release(timeout);
      await this.#store?.release();
    });
  }

  #db(): Kysely<CaptureTables> | undefined {
    return this.#store?.store.db as Kysely<CaptureTables> | undefined;
  }

  #settled(): void {
    if (this.#pending > 0) this.#pending--;
    if (this.#pending === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once every exchange that reached `settle` went through `onResponse`, or after `timeoutMs`. */
  #whenIdle(timeoutMs: number): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #schedulePurge(log: StoreLogger, intervalMs: number): void {
    const run = (): void => {
      this.purge().then(
        (r) => {
          if (r !== undefined && r.payloads + r.toolCalls > 0) log.info({ payloads: r.payloads, toolCalls: r.toolCalls, cutoff: new Date(r.cutoff).toISOString() }, 'retention purge');
        },
        (err: unknown) => log.warn({ error: err instanceof Error ? err.message : String(err) }, 'retention purge failed; retried at the next interval'),
      );
      this.#purgeTimer = setTimeout(run, intervalMs);
      this.#purgeTimer.unref();
    };
    // First purge soon after start (not at once: start-up stays quick), then every interval.
    this.#purgeTimer = setTimeout(run, Math.min(intervalMs, 5_000));
    this.#purgeTimer.unref();
  }

  /**
   * Runs the retention purge now (the timer runs it every `purge_interval`): deletes captures
   * older than `database.retention.duration` (and tool calls when `purge` lists `tools`).
   * Resolves undefined when retention purges nothing or the store is not open.
   */
  purge(): Promise<PurgeResult | undefined> {
    const db = this.#db();
    if (db === undefined) return Promise.resolve(undefined);
    this.#purging ??= purgeOnce(db, this.#policy, (this.#deps.clock ?? Date).now())
      .then((r) => {
        if (r !== undefined) this.#lastPurge = r;
        return r;
      })
      .finally(() => {
        this.#purging = undefined;
      });
    return this.#purging;
  }

  /** Writes what is buffered now (within `timeoutMs`); true when all of it was written. */
  flush(timeoutMs = 5_000): Promise<boolean> {
    return this.#sink?.writer.flush(timeoutMs) ?? Promise.resolve(true);
  }

  /** The counters of this process's capture writer, the store and retention; undefined before the store is open. */
  stats(): CaptureStats | undefined {
    const store = this.#store?.store;
    const sink = this.#sink;
    if (store === undefined || sink === undefined) return undefined;
    return {
      store: { dialect: store.dialect, location: store.location },
      writer: sink.writer.stats(),
      unidentified: this.#unidentified,
      retention: { keepCaptures: this.#policy.keepCaptures, keepTools: this.#policy.keepTools, maxAgeMs: this.#policy.maxAgeMs ?? null, purgeTools: this.#policy.purgeTools },
      lastPurge: this.#lastPurge ?? null,
    };
  }
}

/**
 * The capture plugin of a gateway or runtime (`captureOf(gateway)?.stats()`, `.purge()`,
 * `.flush()`), or undefined when it is not loaded.
 */
export function captureOf(source: { readonly plugins: readonly TollgatePlugin[] }): CapturePlugin | undefined {
  const plugin = source.plugins.find((p) => p.name === PLUGIN_NAME);
  return plugin instanceof CapturePlugin ? plugin : undefined;
}

/** Warnings about what of `database` tollgate does not honour. */
function unsupportedIssues(database: DatabaseConfig, owner: string): ReturnType<typeof retentionIssues> {
  return database.headers.filterable.length > 0
    ? [{ severity: 'warning', path: `${owner}/database/headers/filterable`, message: 'filterable headers are not indexed by tollgate yet: request headers are kept (credentials redacted) with each capture, but /api/requests cannot filter on them' }]
    : [];
}

/**
 * The capture plugin definition with injected dependencies (a clock for the retention purge), for
 * programmatic use and tests. Config, options and checks are those of the default.
 */
export function defineCapturePlugin(deps: CapturePluginDeps = {}): PluginDefinition<CaptureOptions> {
  return definePlugin<CaptureOptions>({
    name: PLUGIN_NAME,
    options: CaptureOptionsSchema,
    sections: { database: DatabaseSchema },
    core: '^0.1.0',
    check: ({ sections }) => {
      const database = sections.database as DatabaseConfig;
      return [...retentionIssues(database, `plugins.${PLUGIN_NAME}`), ...unsupportedIssues(database, `plugins.${PLUGIN_NAME}`)];
    },
    create: (options, { sections }) => new CapturePlugin(sections.database as DatabaseConfig, options, deps),
  });
}

/**
 * The plugin definition core loads (`"plugins": ["capture"]`, or by default). Owns Aperture's
 * `database` section; options: `max_buffered_records`, `max_buffered_bytes`, `max_body_size`,
 * `purge_interval`, `flush_timeout` (see the README).
 */
export const capturePlugin: PluginDefinition<CaptureOptions> = defineCapturePlugin();
