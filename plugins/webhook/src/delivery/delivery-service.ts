import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type EffectiveCapabilities, type Exchange, byteSizeValue, durationMs, errorMessage } from '@tollgate/core';
import type { Dispatcher } from 'undici';
import { deliveryId } from '../delivery-id.js';
import { parseHookUrl } from '../endpoint.js';
import { HttpTransport } from '../http-transport.js';
import type { Clock, PluginLogger, ResolvedEndpoint } from '../internal-types.js';
import { type ExchangePayloadParts, exchangeParts, postResponseData, serializeHookCallData } from '../payload.js';
import type { WebhookOptions } from '../schema.js';
import { HookSpool, readSpoolHookName } from '../spool/hook-spool.js';
import { newOwnerTag } from '../spool/process-identity.js';
import type { HookGauges } from '../counters.js';
import { type RootMember, type SpoolRoot, ownerGoneCheck, spoolRoot } from '../spool/process-registry.js';
import { parseSegmentFileName } from '../spool/segment.js';
import { auditSpool } from '../spool/spool-hygiene.js';
import { HOOKS_DIR } from '../spool/spool-layout.js';
import { type HookEndpointInfo, type HookStats, POST_RESPONSE_EVENTS, type PostResponseEvent, SKIP_DELIVERY, type WebhookHooks } from '../types.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { HookCounters } from '../counters.js';

/** What a {@link DeliveryService} works with. */
export interface DeliveryServiceInit {
  /** Every configured hook. */
  readonly endpoints: ReadonlyMap<string, ResolvedEndpoint>;
  /** Validated plugin options. */
  readonly options: WebhookOptions;
  /** Spool root directory (`spool.dir` resolved against the data directory). */
  readonly root: string;
  /** Extension hooks (payload shaping, transports). */
  readonly hooks: WebhookHooks;
  /** Plugin logger. */
  readonly log: PluginLogger;
  /** Clock. */
  readonly clock: Clock;
  /** `User-Agent` of deliveries. */
  readonly userAgent: string;
  /** undici dispatcher of the HTTP transport. */
  readonly dispatcher: Dispatcher;
}

/** True when an exchange completed: the provider answered and the client stayed to the end. */
export function exchangeCompleted(exchange: Exchange): boolean {
  return exchange.upstreamStatus !== undefined && !exchange.aborted;
}

/**
 * The post-response side of one plugin instance: picks each hook's transport, owns the hooks'
 * queues and spools, takes over segments left by instances that are gone (at start, on a
 * sibling's shutdown, on every heartbeat), turns exchanges into deliveries, and on close either
 * flushes (last instance of the process) or hands its backlog over (a config reload).
 */
export class DeliveryService implements RootMember {
  /** Owner tag of this instance's segments. */
  readonly ownerTag: string = newOwnerTag();
  readonly #init: DeliveryServiceInit;
  readonly #root: SpoolRoot;
  readonly #queues = new Map<string, DeliveryQueue>();
  readonly #spools = new Map<string, HookSpool>();
  readonly #shaping = new Set<Promise<void>>();
  readonly #reportedProblems = new Set<string>();
  #state: 'new' | 'ready' | 'closing' | 'closed' = 'new';
  #claiming: Promise<void> | undefined;
  #claimAgain = false;
  #fsyncTimer: NodeJS.Timeout | undefined;
  #persistent = false;

  constructor(init: DeliveryServiceInit) {
    this.#init = init;
    this.#root = spoolRoot(init.root);
  }

  /** True when events are spooled to disk (the spool is enabled and some hook can deliver). */
  get persistent(): boolean {
    return this.#persistent;
  }

  /** The spool root directory. */
  get root(): string {
    return this.#root.root;
  }

  /** The process-wide counters of a hook. */
  counters(hook: string): HookCounters {
    return this.#root.counters(hook);
  }

  /** Process-wide stats of every hook. */
  stats(): Record<string, HookStats> {
    return this.#root.stats();
  }

  /** @inheritdoc */
  gauges(): ReadonlyMap<string, HookGauges> {
    const out = new Map<string, HookGauges>();
    for (const [name, q] of this.#queues) out.set(name, q.gauges());
    return out;
  }

  /**
   * Chooses transports (a tap of `transport`, else HTTP(S); anything else is Aperture's "invalid
   * URL scheme" warning), opens the spools, and takes over what earlier owners left, before the
   * gateway serves, so a restart's backlog goes out ahead of new events.
   */
  async start(): Promise<void> {
    const { endpoints, hooks, log, options } = this.#init;
    for (const endpoint of endpoints.values()) {
      this.#root.counters(endpoint.name);
      if (endpoint.config.disabled || endpoint.problem !== undefined) continue;
      const url = parseHookUrl(endpoint.config.url);
      const custom = hooks.transport.isUsed() ? hooks.transport.call({ hook: endpoint.info, url }) : undefined;
      if (custom !== undefined && custom !== null) endpoint.transport = custom;
      else if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) endpoint.transport = new HttpTransport(endpoint.config.url, this.#init.dispatcher);
      else if (url === undefined) endpoint.problem = 'invalid URL'; // warned when the config loaded
      else {
        endpoint.problem = `invalid URL scheme "${url.protocol.slice(0, -1)}"`;
        log.warn({ path: `plugins.webhook/hooks/${endpoint.name}/url` }, `hook ${endpoint.name} has ${endpoint.problem}`);
      }
    }
    const spoolOptions = options.spool;
    const memoryBytes = byteSizeValue(options.delivery.memory_bytes);
    const retry = { initialMs: durationMs(options.delivery.retry_initial), maxMs: durationMs(options.delivery.retry_max), maxRetryAfterMs: durationMs(options.delivery.max_retry_after) };
    const maxAgeMs = durationMs(options.delivery.max_age);
    const live = [...endpoints.values()].filter((e) => !e.config.disabled && e.transport !== undefined);
    if (spoolOptions.enabled && live.length > 0) {
      await this.#auditSpool();
      for (const endpoint of live) {
        const spool = new HookSpool(this.#root.root, endpoint.name, this.ownerTag, {
          segmentBytes: Math.max(1024, Math.min(byteSizeValue(spoolOptions.segment_bytes), Math.floor(byteSizeValue(spoolOptions.max_bytes) / 4))),
          maxBytes: byteSizeValue(spoolOptions.max_bytes),
          syncEveryWrite: spoolOptions.fsync === 'always',
          writeDelayMs: spoolOptions.fsync === 'always' ? 0 : durationMs(spoolOptions.write_delay),
          onError: (err, what) => log.error({ err, hook: endpoint.name }, `hook spool ${what} failed`),
          onDamage: (file, corrupt, torn) => log.warn({ hook: endpoint.name, file, corrupt, torn }, 'hook spool segment had damaged records; they were skipped'),
        });
        try {
          await spool.open();
        } catch (err) {
          // E.g. a stray file where the hook's folder belongs: this hook queues in memory only.
          log.error({ err, hook: endpoint.name, dir: spool.dir }, 'hook spool cannot be opened; events of this hook are kept in memory only');
          continue;
        }
        this.#spools.set(endpoint.name, spool);
      }
    }
    for (const endpoint of live) {
      this.#queues.set(
        endpoint.name,
        new DeliveryQueue({
          endpoint,
          transport: endpoint.transport as NonNullable<typeof endpoint.transport>,
          spool: this.#spools.get(endpoint.name),
          counters: this.#root.counters(endpoint.name),
          options: { concurrency: endpoint.concurrency, memoryBytes, retry, maxAgeMs },
          clock: this.#init.clock,
          log,
          userAgent: this.#init.userAgent,
        }),
      );
    }
    this.#persistent = this.#spools.size > 0;
    await this.#root.join(this);
    if (this.#persistent) {
      await this.#claim();
      if (spoolOptions.fsync === 'interval') {
        this.#fsyncTimer = setInterval(() => {
          for (const s of this.#spools.values()) s.sync().catch(() => undefined);
        }, durationMs(spoolOptions.fsync_interval)).unref();
      }
    }
    if (spoolOptions.enabled) await this.#warnAboutOrphans();
    this.#state = 'ready';
  }

  /** @inheritdoc */
  claimSoon(): void {
    if (this.#state !== 'ready') return;
    if (this.#claiming !== undefined) {
      this.#claimAgain = true;
      return;
    }
    this.#claiming = this.#claim()
      .catch((err: unknown) => this.#init.log.error({ err }, 'taking over hook spool segments failed'))
      .finally(() => {
        this.#claiming = undefined;
        if (this.#claimAgain) {
          this.#claimAgain = false;
          this.claimSoon();
        }
      });
  }

  /**
   * Turns a completed exchange into deliveries: for every hook the caller's capabilities wire to
   * a post-response event (once per hook and event, with the merged send list). Only reserves
   * queue places and serializes (shaping taps, if any, run asynchronously); never waits for a
   * receiver.
   */
  enqueue(exchange: Exchange, caps: EffectiveCapabilities): void {
    let parts: ExchangePayloadParts | undefined;
    const cache = new Map<unknown, string>();
    // Without shaping taps a payload depends only on the send list: hooks that share one share the bytes.
    const bySendList = caps.hooks.size > 1 ? new Map<string, Buffer>() : undefined;
    const now = this.#init.clock.now();
    for (const [name, wiring] of caps.hooks) {
      const endpoint = this.#init.endpoints.get(name);
      if (endpoint === undefined || endpoint.config.disabled) continue;
      for (const event of POST_RESPONSE_EVENTS) {
        if (!wiring.events.has(event) || (event === 'tool_call_entire_request' && exchange.toolCalls.length === 0)) continue;
        const counters = this.#root.counters(name);
        const queue = this.#queues.get(name);
        if (queue === undefined || this.#state !== 'ready') {
          if (queue === undefined) {
            counters.failed++;
            counters.noteError(endpoint.problem ?? 'hook cannot deliver');
            this.#reportOnce(name, endpoint.problem ?? 'hook cannot deliver');
          } else {
            counters.dropped++;
            this.#init.log.warn({ hook: name, event, requestId: exchange.requestId }, 'hook event dropped: the webhook plugin is shutting down');
          }
          continue;
        }
        parts ??= exchangeParts(exchange);
        const id = deliveryId(exchange.requestId, name, event);
        const extra = this.#extraHeaders(endpoint.info, event, id, exchange);
        const data = postResponseData(exchange, parts, wiring.send, caps);
        const serialize = (body: unknown): Buffer => Buffer.from(body === data ? serializeHookCallData(data, cache) : (JSON.stringify(body) ?? 'null'));
        const fail = (err: unknown): void => {
          counters.failed++;
          counters.noteError(`building the payload failed: ${errorMessage(err)}`);
          this.#init.log.error({ err, hook: name, event, deliveryId: id }, 'building a hook payload failed; event not delivered');
        };
        if (!this.#init.hooks.shapePayload.isUsed()) {
          const key = bySendList === undefined ? undefined : [...wiring.send].sort().join(',');
          let body = key === undefined ? undefined : bySendList?.get(key);
          try {
            if (body === undefined) {
              body = serialize(data);
              if (key !== undefined) bySendList?.set(key, body);
            }
          } catch (err) {
            fail(err); // e.g. a plugin stored a BigInt in the cost or quota state
            continue;
          }
          queue.fill(queue.reserve(id, event, now, extra), body);
          continue;
        }
        // Reserved now so the event keeps its place; always filled or cancelled, or the queue would wait for it.
        const slot = queue.reserve(id, event, now, extra);
        const shaping = this.#init.hooks.shapePayload
          .promise(data, { hook: endpoint.info, event, deliveryId: id, data, exchange })
          .then((shaped) => (shaped === SKIP_DELIVERY ? queue.cancel(slot) : queue.fill(slot, serialize(shaped))))
          .catch((err: unknown) => {
            if (slot.state === 'waiting') queue.cancel(slot);
            fail(err);
          })
          .finally(() => this.#shaping.delete(shaping));
        this.#shaping.add(shaping);
      }
    }
  }

  /**
   * Stops: waits for payloads being shaped, then either flushes for up to `flush_timeout` (no other
   * instance of this process uses the spool) or hands the backlog over at once (a config reload:
   * the new instance takes it), waits for deliveries in flight, closes the spools and leaves.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#state = 'closing';
    const flushMs = durationMs(this.#init.options.delivery.flush_timeout);
    await Promise.allSettled([...this.#shaping]);
    await this.#claiming;
    // Only a spool can be handed over; a memory-only queue is always flushed.
    const handOver = this.persistent && [...this.#root.members].some((m) => m !== this && m.persistent);
    if (!handOver) await Promise.all([...this.#queues.values()].map((q) => q.drain(flushMs)));
    await Promise.all([...this.#queues.values()].map((q) => q.stop(Math.max(flushMs, 1000))));
    if (this.#fsyncTimer !== undefined) clearInterval(this.#fsyncTimer);
    const sync = this.#init.options.spool.fsync !== 'never';
    await Promise.all([...this.#spools.values()].map((s) => s.close(sync)));
    await this.#root.leave(this);
    const transports = new Set([...this.#init.endpoints.values()].map((e) => e.transport).filter((t) => t !== undefined && !(t instanceof HttpTransport)));
    await Promise.all([...transports].map((t) => t?.close?.().catch(() => undefined)));
    this.#state = 'closed';
  }

  async #claim(): Promise<void> {
    const gone = ownerGoneCheck(this.#root.root, this.#init.clock.now());
    for (const [name, spool] of this.#spools) {
      const claimed = await spool.claim(gone);
      if (claimed.length === 0) continue;
      this.#queues.get(name)?.addClaimed(claimed);
      this.#init.log.info({ hook: name, events: claimed.length }, 'took over undelivered hook events');
    }
  }

  /** Extra headers from the `headers` extension hook; a failing tap costs them, never the delivery. */
  #extraHeaders(hook: HookEndpointInfo, event: PostResponseEvent, id: string, exchange: Exchange): Readonly<Record<string, string>> | undefined {
    if (!this.#init.hooks.headers.isUsed()) return undefined;
    try {
      return this.#init.hooks.headers.call({}, { hook, event, deliveryId: id, exchange });
    } catch (err) {
      this.#init.log.error({ err, hook: hook.name, event }, 'a webhook headers tap failed; delivering without its headers');
      return undefined;
    }
  }

  /**
   * Makes the spool private (`0700` folders, `0600` files, also what an earlier version or another
   * umask left wider) and reports what does not belong in it; such entries are never read, so a
   * stray file or folder cannot stop start-up.
   */
  async #auditSpool(): Promise<void> {
    const { log } = this.#init;
    const audit = await auditSpool(this.#root.root);
    if (audit.tightened.length > 0) {
      log.warn({ root: this.#root.root, tightened: audit.tightened.slice(0, 20), count: audit.tightened.length }, 'hook spool files were readable by other users; set to owner-only (0600 files, 0700 folders)');
    }
    for (const entry of audit.ignored.slice(0, 20)) log.warn({ path: entry.path, reason: entry.reason }, 'hook spool: ignored an entry that is not part of the spool');
    if (audit.ignored.length > 20) log.warn({ root: this.#root.root, count: audit.ignored.length }, 'hook spool: ignored more entries that are not part of the spool');
  }

  #reportOnce(hook: string, problem: string): void {
    if (this.#reportedProblems.has(hook)) return;
    this.#reportedProblems.add(hook);
    this.#init.log.warn({ hook }, `hook ${hook} cannot deliver (${problem}); its events are counted as failed`);
  }

  async #warnAboutOrphans(): Promise<void> {
    let dirs: string[];
    try {
      dirs = await readdir(join(this.#root.root, HOOKS_DIR));
    } catch {
      return;
    }
    for (const dir of dirs) {
      const path = join(this.#root.root, HOOKS_DIR, dir);
      const name = await readSpoolHookName(path);
      if (name === undefined || this.#queues.has(name)) continue;
      const segments = (await readdir(path).catch(() => [] as string[])).filter((f) => parseSegmentFileName(f) !== undefined);
      if (segments.length === 0) continue;
      this.#init.log.warn({ hook: name, dir: path, segments: segments.length }, `the hook spool holds undelivered events for hook "${name}", which is not configured, disabled or cannot deliver; they are kept until it can`);
    }
  }
}
