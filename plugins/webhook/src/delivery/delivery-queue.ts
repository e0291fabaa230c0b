import { errorMessage } from '@tollgate/core';
import type { HookCounters } from '../counters.js';
import { deliveryHeaders } from '../delivery-headers.js';
import type { Clock, PluginLogger, ResolvedEndpoint } from '../internal-types.js';
import { type RetryTiming, classifyStatus, retryDelay } from '../retry-policy.js';
import type { ClaimedRecord, HookSpool, SpoolRef } from '../spool/hook-spool.js';
import type { HookGauges } from '../counters.js';
import type { PostResponseEvent, TransportDelivery, TransportResult, WebhookTransport } from '../types.js';
import { AttemptAbort, ON_ABORT } from './attempt-abort.js';

/** Limits and timing of a {@link DeliveryQueue}. */
export interface QueueOptions {
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** Payload bytes kept in memory (without a spool: the queue's capacity). */
  readonly memoryBytes: number;
  /** Retry timing. */
  readonly retry: RetryTiming;
  /** Events older than this are given up (ms). */
  readonly maxAgeMs: number;
}

/** What a {@link DeliveryQueue} works with. */
export interface DeliveryQueueDeps {
  /** The hook. */
  readonly endpoint: ResolvedEndpoint;
  /** Its transport. */
  readonly transport: WebhookTransport;
  /** Its spool (absent: memory only). */
  readonly spool: HookSpool | undefined;
  /** Process-wide counters of the hook. */
  readonly counters: HookCounters;
  /** Limits and timing. */
  readonly options: QueueOptions;
  /** Time, randomness, timers. */
  readonly clock: Clock;
  /** Plugin logger. */
  readonly log: PluginLogger;
  /** `User-Agent` of deliveries. */
  readonly userAgent: string;
}

/** A place in the queue reserved when an event happens, filled once its body is serialized. */
export interface QueueSlot {
  /** Delivery id. */
  readonly id: string;
  /** Event. */
  readonly event: PostResponseEvent;
  /** Event time (epoch ms). */
  readonly ts: number;
  /** Serialized body, once known. */
  body: Buffer | undefined;
  /** Extra headers of the delivery (the `headers` extension hook), kept in memory only. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Slot state. */
  state: 'waiting' | 'ready' | 'cancelled';
}

interface QueueRecord {
  readonly id: string;
  readonly event: PostResponseEvent;
  readonly ts: number;
  readonly ref: SpoolRef | undefined;
  readonly size: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
  body: Buffer | undefined;
  attempts: number;
  state: 'pending' | 'inflight' | 'done';
}

/** At most one "dropped" log line per this many ms (the counter counts every drop). */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * The post-response delivery queue of one hook in one plugin instance. Events enter in the order
 * they happened (slots are reserved synchronously, filled when the body is ready), are written
 * to the spool, and are sent oldest first with at most `concurrency` in flight. A failure that
 * may pass (network error, timeout, 408, 429, 5xx) pauses the whole hook with exponential backoff
 * and jitter (at least the receiver's `Retry-After`); delivery then resumes from the oldest
 * undelivered event with one request in flight, doubling with every success up to `concurrency`
 * (a receiver that comes back is not flooded). With `concurrency: 1` the receiver sees every event
 * in order. Other answers give the event up. Every outcome acknowledges the record in the spool.
 */
export class DeliveryQueue {
  readonly #deps: DeliveryQueueDeps;
  #slots: QueueSlot[] = [];
  #records: QueueRecord[] = [];
  #head = 0;
  #open = 0;
  #inFlight = 0;
  #memBytes = 0;
  #failures = 0;
  #window = 1;
  #pausedUntil = 0;
  #timer: { cancel(): void } | undefined;
  #stopped = false;
  readonly #controllers = new Set<AttemptAbort>();
  #waiters: Array<() => void> = [];
  #lastDropLog = 0;
  #droppedSinceLog = 0;

  constructor(deps: DeliveryQueueDeps) {
    this.#deps = deps;
  }

  /** Gauges for stats. */
  gauges(): HookGauges {
    return { queueDepth: this.#open, inFlight: this.#inFlight, spoolBytes: this.#deps.spool?.bytes ?? 0 };
  }

  /** Reserves the next place in the queue for an event whose body is still being built. */
  reserve(id: string, event: PostResponseEvent, ts: number, headers?: Readonly<Record<string, string>>): QueueSlot {
    const slot: QueueSlot = { id, event, ts, body: undefined, headers, state: 'waiting' };
    this.#slots.push(slot);
    return slot;
  }

  /** Fills a reserved slot with the serialized body. */
  fill(slot: QueueSlot, body: Buffer): void {
    slot.body = body;
    slot.state = 'ready';
    this.#flushSlots();
  }

  /** Gives a reserved slot up (its body could not be built). */
  cancel(slot: QueueSlot): void {
    slot.state = 'cancelled';
    this.#flushSlots();
  }

  /** Adds records taken over from a previous owner; they are older than anything queued, so they go first. */
  addClaimed(claimed: readonly ClaimedRecord[]): void {
    if (claimed.length === 0) return;
    const records: QueueRecord[] = claimed.map(({ ref, record }) => {
      const keep = this.#memBytes + record.body.length <= this.#deps.options.memoryBytes;
      if (keep) this.#memBytes += record.body.length;
      return { id: record.meta.id, event: record.meta.event, ts: record.meta.ts, ref, size: record.body.length, headers: undefined, body: keep ? record.body : undefined, attempts: 0, state: 'pending' };
    });
    this.#records = [...records, ...this.#records.slice(this.#head).filter((r) => r.state !== 'done')];
    this.#head = 0;
    this.#open += records.length;
    this.#pump();
  }

  /** Waits until nothing is left to deliver, or `ms` passed; resolves `true` when empty. */
  async drain(ms: number): Promise<boolean> {
    this.#pump();
    return this.#waitUntil(() => this.#open === 0, ms);
  }

  /**
   * Stops starting deliveries and waits up to `graceMs` for those in flight, then aborts the rest
   * (their events stay in the spool for the next owner).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (!(await this.#waitUntil(() => this.#inFlight === 0, graceMs))) {
      for (const c of this.#controllers) c.abort(new Error('webhook plugin is shutting down'));
      await this.#waitUntil(() => this.#inFlight === 0, graceMs);
    }
  }

  #flushSlots(): void {
    let i = 0;
    while (i < this.#slots.length && (this.#slots[i] as QueueSlot).state !== 'waiting') {
      const slot = this.#slots[i++] as QueueSlot;
      if (slot.state === 'ready') this.#accept(slot, slot.body as Buffer);
    }
    if (i > 0) this.#slots = this.#slots.slice(i);
    this.#pump();
  }

  #accept(slot: QueueSlot, body: Buffer): void {
    const { spool, options } = this.#deps;
    let ref: SpoolRef | undefined;
    if (spool !== undefined) {
      ref = spool.append({ id: slot.id, event: slot.event, ts: slot.ts }, body);
      if (ref === undefined) {
        this.#drop(slot, 'spool full');
        return;
      }
    } else if (this.#memBytes + body.length > options.memoryBytes) {
      this.#drop(slot, 'queue full');
      return;
    }
    const keep = this.#memBytes + body.length <= options.memoryBytes;
    if (keep) this.#memBytes += body.length;
    this.#records.push({ id: slot.id, event: slot.event, ts: slot.ts, ref, size: body.length, headers: slot.headers, body: keep ? body : undefined, attempts: 0, state: 'pending' });
    this.#open++;
  }

  #drop(slot: QueueSlot, reason: string): void {
    const { counters, log, endpoint, clock } = this.#deps;
    counters.dropped++;
    this.#droppedSinceLog++;
    const now = clock.now();
    if (now - this.#lastDropLog >= DROP_LOG_INTERVAL_MS) {
      log.warn({ hook: endpoint.name, event: slot.event, deliveryId: slot.id, reason, droppedSinceLastLog: this.#droppedSinceLog, droppedTotal: counters.dropped }, 'hook event dropped');
      this.#lastDropLog = now;
      this.#droppedSinceLog = 0;
    }
  }

  #pump(): void {
    if (this.#stopped) return;
    const now = this.#deps.clock.now();
    if (now < this.#pausedUntil) {
      this.#schedule(this.#pausedUntil - now);
      return;
    }
    const limit = Math.min(this.#window, this.#deps.options.concurrency);
    for (let i = this.#head; i < this.#records.length && this.#inFlight < limit; i++) {
      const rec = this.#records[i] as QueueRecord;
      if (rec.state === 'pending') this.#start(rec);
    }
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#deps.clock.setTimer(() => {
      this.#timer = undefined;
      this.#pump();
    }, ms);
  }

  #start(rec: QueueRecord): void {
    rec.state = 'inflight';
    this.#inFlight++;
    this.#deliver(rec)
      .catch((err: unknown) => {
        if (rec.state === 'inflight') this.#giveUp(rec, `delivery crashed: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.#inFlight--;
        this.#notify();
        this.#pump();
      });
  }

  async #deliver(rec: QueueRecord): Promise<void> {
    const { endpoint, transport, spool, counters, clock, options } = this.#deps;
    if (clock.now() - rec.ts > options.maxAgeMs) {
      this.#giveUp(rec, `event older than max_age (${options.maxAgeMs} ms); given up`);
      return;
    }
    let body = rec.body;
    if (body === undefined) {
      try {
        body = await (spool as HookSpool).readBody(rec.ref as SpoolRef);
      } catch (err) {
        this.#giveUp(rec, `spool read failed: ${errorMessage(err)}`);
        return;
      }
    }
    const attempt = ++rec.attempts;
    if (attempt > 1) counters.retried++;
    const controller = new AttemptAbort();
    this.#controllers.add(controller);
    let timedOut = false;
    const timer = endpoint.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort(new Error('timeout'))), endpoint.timeoutMs) : undefined;
    timer?.unref();
    let result: TransportResult | undefined;
    let failure: string | undefined;
    try {
      const delivery: TransportDelivery & { readonly [ON_ABORT]: AttemptAbort } = {
        id: rec.id,
        hook: endpoint.info,
        event: rec.event,
        attempt,
        body,
        headers: rec.headers === undefined ? deliveryHeaders(endpoint, rec.id, rec.event, attempt, body, clock.now(), this.#deps.userAgent) : { ...rec.headers, ...deliveryHeaders(endpoint, rec.id, rec.event, attempt, body, clock.now(), this.#deps.userAgent) },
        get signal() {
          return controller.signal;
        },
        maxReplyBytes: 0,
        [ON_ABORT]: controller,
      };
      result = await transport.send(delivery);
    } catch (err) {
      failure = timedOut ? `timed out after ${endpoint.timeoutMs} ms` : errorMessage(err);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      controller.clear();
      this.#controllers.delete(controller);
    }
    if (result === undefined && controller.aborted && !timedOut) {
      // Shutting down: not the receiver's fault; the event stays spooled for the next owner.
      rec.state = 'pending';
      rec.attempts--;
      return;
    }
    if (result !== undefined) {
      const outcome = classifyStatus(result.status);
      if (outcome === 'delivered') {
        this.#failures = 0;
        this.#window = Math.min(this.#window * 2, options.concurrency);
        counters.noteSuccess();
        this.#finish(rec);
        return;
      }
      if (outcome === 'give-up') {
        this.#giveUp(rec, `receiver answered ${result.status}; not retried`, result.status);
        return;
      }
      this.#retryLater(rec, `receiver answered ${result.status}`, result.status, result.retryAfterMs);
      return;
    }
    this.#retryLater(rec, failure ?? 'delivery failed', undefined, undefined);
  }

  #retryLater(rec: QueueRecord, message: string, status: number | undefined, retryAfterMs: number | undefined): void {
    const { endpoint, counters, clock, options, log } = this.#deps;
    counters.noteError(message, status);
    if (clock.now() - rec.ts > options.maxAgeMs) {
      this.#giveUp(rec, `${message}; event older than max_age, given up`, status);
      return;
    }
    rec.state = 'pending';
    this.#failures++;
    this.#window = 1;
    const delay = retryDelay(this.#failures, options.retry, retryAfterMs, () => clock.random());
    this.#pausedUntil = Math.max(this.#pausedUntil, clock.now() + delay);
    log.warn({ hook: endpoint.name, event: rec.event, deliveryId: rec.id, attempt: rec.attempts, status, retryInMs: delay, error: message }, 'hook delivery failed; retrying');
  }

  #giveUp(rec: QueueRecord, message: string, status?: number): void {
    const { endpoint, counters, log } = this.#deps;
    counters.failed++;
    counters.noteError(message, status);
    log.warn({ hook: endpoint.name, event: rec.event, deliveryId: rec.id, attempt: rec.attempts, status, error: message }, 'hook delivery failed; giving up');
    this.#finish(rec);
  }

  #finish(rec: QueueRecord): void {
    rec.state = 'done';
    this.#open--;
    if (rec.body !== undefined) {
      this.#memBytes -= rec.size;
      rec.body = undefined;
    }
    if (rec.ref !== undefined) this.#deps.spool?.ack(rec.ref);
    while (this.#head < this.#records.length && (this.#records[this.#head] as QueueRecord).state === 'done') this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
    this.#notify();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves `true` once `done()` holds (checked after every state change), `false` after `ms`. */
  #waitUntil(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let settled = false;
      // A referenced timer: a gateway shutting down waits for its flush instead of exiting early.
      const timer = setTimeout(() => {
        settled = true;
        resolve(done());
      }, ms);
      const check = (): void => {
        if (settled) return;
        if (done()) {
          settled = true;
          clearTimeout(timer);
          resolve(true);
        } else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }
}
