import type { StoreLogger } from '@tollgate/store';
import { type BucketChangeRow, chargeRow } from '../quota/atomic-charge.js';
import type { BucketLimits, BucketState } from '../quota/token-bucket.js';
import type { BucketStore } from './bucket-store.js';

/** Options of a {@link ChargeQueue}. */
export interface ChargeQueueOptions {
  /** Logger for outages, recoveries and lost charges (rate-limited). */
  readonly logger: StoreLogger;
  /** Most charges held (waiting or being written); more are refused and counted. @default 10000 */
  readonly maxQueued?: number;
  /** Most charges written in one transaction. @default 256 */
  readonly maxBatch?: number;
  /** First wait before retrying a failed write; doubles up to {@link retryMaxMs}. @default 100 */
  readonly retryMinMs?: number;
  /** Longest wait between retries. @default 5000 */
  readonly retryMaxMs?: number;
  /** A batch that failed this often while the store answers `ping` is written charge by charge; a charge the store refuses alone is dropped. @default 3 */
  readonly isolateAfter?: number;
  /** At most one failure line per this many ms. @default 10000 */
  readonly logIntervalMs?: number;
  /**
   * How long a charge arriving while the store is idle waits for others to share its statement.
   * Charges are written after the client's answer, so this delays only what reads the balances
   * after the charge (hook payloads). 0: at the end of the event loop's turn. @default 0
   */
  readonly windowMs?: number;
}

/** What a {@link ChargeQueue} has done so far. */
export interface ChargeQueueStats {
  /** Charges waiting or being written. */
  readonly queued: number;
  /** Charges committed. */
  readonly charged: number;
  /** Charges lost: the queue was full, the store refused one alone, or it was closed with charges left. */
  readonly dropped: number;
  /** Failed write attempts (each is retried). */
  readonly failedWrites: number;
  /** False from a failed write until the next successful one. */
  readonly healthy: boolean;
}

/** One charge: `cost` nanodollars to bucket `name` (with its limits) at `now`. */
export interface Charge {
  /** Bucket name (templates filled). */
  readonly name: string;
  /** The bucket's limits. */
  readonly limits: BucketLimits;
  /** When (epoch milliseconds). */
  readonly now: number;
  /** Nanodollars (>= 0). */
  readonly cost: number;
}

interface Pending {
  readonly charge: Charge;
  readonly resolve: (state: BucketState) => void;
  readonly reject: (err: Error) => void;
}

/** The charges of one batch to one bucket, written as one statement. */
interface BucketGroup {
  readonly name: string;
  readonly members: Pending[];
}

/** Error of a charge that was not written (queue full, refused by the store, or closed). */
export class ChargeDroppedError extends Error {
  /** Always `TG_ERR_QUOTA_CHARGE_DROPPED`. */
  readonly code = 'TG_ERR_QUOTA_CHARGE_DROPPED';
}

/**
 * Writes bucket charges with **group commit**: a charge arriving while the store is idle is
 * written at once; charges arriving while a write is in flight wait and go together in the next
 * one. A write is **one atomic statement** (see `atomic-charge.ts`) for all the buckets of its
 * charges, the charges to one bucket summed (at the latest of their times), the buckets in name
 * order so that gateways sharing a PostgreSQL database lock rows in the same order (no deadlock).
 * Each charge resolves, once committed, with its bucket's state right after it (the charges of a
 * batch in arrival order). While the store is down, charges wait (bounded) and are retried with
 * backoff; a charge is never lost silently (drops are counted and logged). A statement that fails
 * changes nothing, so a retry never charges twice.
 */
export class ChargeQueue {
  readonly #buckets: BucketStore;
  readonly #ping: () => Promise<boolean>;
  readonly #o: Required<ChargeQueueOptions>;
  #queue: Pending[] = [];
  #running = false;
  #scheduled = false;
  #closed = false;
  #charged = 0;
  #dropped = 0;
  #failedWrites = 0;
  #failuresInRow = 0;
  #healthy = true;
  #lastFailureLog = Number.NEGATIVE_INFINITY;
  #lastDropLog = Number.NEGATIVE_INFINITY;
  #droppedSinceLog = 0;
  #wake: (() => void) | undefined;
  #idle: Array<() => void> = [];

  /** `ping` tells an outage (retry later) from a charge the store refuses (drop it). */
  constructor(buckets: BucketStore, ping: () => Promise<boolean>, options: ChargeQueueOptions) {
    this.#buckets = buckets;
    this.#ping = ping;
    this.#o = { maxQueued: 10_000, maxBatch: 256, retryMinMs: 100, retryMaxMs: 5_000, isolateAfter: 3, logIntervalMs: 10_000, windowMs: 0, ...definedOnly(options) };
  }

  /** Queues a charge; resolves with the bucket's state after it once committed, rejects with {@link ChargeDroppedError} when it is dropped. */
  charge(charge: Charge): Promise<BucketState> {
    if (!Number.isSafeInteger(charge.cost) || charge.cost < 0) return Promise.reject(new RangeError(`cost must be a non-negative integer number of nanodollars (got ${charge.cost})`));
    if (this.#closed) return Promise.reject(this.#drop(1, 'the quota store is closed'));
    if (this.#queue.length >= this.#o.maxQueued) return Promise.reject(this.#drop(1, `more than ${this.#o.maxQueued} charges are waiting for the store`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ charge, resolve, reject });
      if (this.#running || this.#scheduled) return;
      this.#scheduled = true;
      const start = (): void => {
        this.#scheduled = false;
        void this.#run();
      };
      if (this.#o.windowMs > 0) setTimeout(start, this.#o.windowMs).unref();
      else setImmediate(start);
    });
  }

  /** Counters. */
  stats(): ChargeQueueStats {
    return { queued: this.#queue.length, charged: this.#charged, dropped: this.#dropped, failedWrites: this.#failedWrites, healthy: this.#healthy };
  }

  /** Stops accepting charges and writes what waits within `timeoutMs`; what is left then is dropped (and logged). Never rejects. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.#closed = true;
    if (this.#queue.length > 0) {
      void this.#run(); // now, rather than after the window
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => this.#idle.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    const left = this.#queue.splice(0);
    if (left.length > 0) {
      const err = this.#drop(left.length, 'the quota store was closed before they were written');
      for (const p of left) p.reject(err);
    }
    this.#wake?.();
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.slice(0, this.#o.maxBatch);
        const groups = groupByBucket(batch);
        try {
          const states = await this.#write(groups);
          this.#queue.splice(0, batch.length);
          this.#succeeded(batch.length);
          groups.forEach((g, i) => settleGroup(g, states[i] as BucketState));
        } catch (err) {
          this.#failed(err, batch.length);
          if (this.#closed && this.#queue.length === 0) break;
          if (this.#failuresInRow >= this.#o.isolateAfter && (await this.#ping())) await this.#isolate(groups);
          else await this.#sleep(Math.min(this.#o.retryMaxMs, this.#o.retryMinMs * 2 ** Math.min(this.#failuresInRow - 1, 20)) * (0.5 + Math.random() / 2));
        }
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** One statement for every bucket of the batch; resolves with each group's state after. */
  async #write(groups: readonly BucketGroup[]): Promise<BucketState[]> {
    const after = await this.#buckets.change('charge', groups.map(groupRow));
    return groups.map((g) => after.get(g.name) as BucketState);
  }

  /** Writes a batch that keeps failing bucket by bucket; the charges of a bucket the store refuses alone are dropped. */
  async #isolate(groups: readonly BucketGroup[]): Promise<void> {
    for (const g of groups) {
      try {
        const state = (await this.#buckets.change('charge', [groupRow(g)])).get(g.name) as BucketState;
        this.#remove(g.members);
        this.#succeeded(g.members.length);
        settleGroup(g, state);
      } catch (err) {
        if (!(await this.#ping())) return; // the store went down: retry the batch later
        this.#remove(g.members);
        this.#o.logger.error({ err, bucket: g.name, charges: g.members.length }, 'the store refused quota charges; they are lost');
        const dropped = this.#drop(g.members.length, 'the store refused the charge');
        for (const p of g.members) p.reject(dropped);
      }
    }
  }

  #remove(members: readonly Pending[]): void {
    const gone = new Set(members);
    this.#queue = this.#queue.filter((p) => !gone.has(p));
  }

  #succeeded(n: number): void {
    this.#charged += n;
    this.#failuresInRow = 0;
    if (!this.#healthy) {
      this.#healthy = true;
      this.#o.logger.info({ queued: this.#queue.length }, 'quota charges written again');
    }
  }

  #failed(err: unknown, n: number): void {
    this.#failedWrites++;
    this.#failuresInRow++;
    const now = Date.now();
    if (this.#healthy || now - this.#lastFailureLog >= this.#o.logIntervalMs) {
      this.#lastFailureLog = now;
      this.#o.logger.warn({ err, charges: n, queued: this.#queue.length }, 'quota charges could not be written; they are kept and retried');
    }
    this.#healthy = false;
  }

  #drop(n: number, reason: string): ChargeDroppedError {
    this.#dropped += n;
    this.#droppedSinceLog += n;
    const now = Date.now();
    if (now - this.#lastDropLog >= this.#o.logIntervalMs) {
      this.#o.logger.error({ dropped: this.#droppedSinceLog, total: this.#dropped, reason }, 'quota charges lost');
      this.#lastDropLog = now;
      this.#droppedSinceLog = 0;
    }
    return new ChargeDroppedError(`quota charge not written: ${reason}`);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The batch's charges by bucket, buckets in name order, each bucket's charges in arrival order. */
function groupByBucket(batch: readonly Pending[]): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  for (const p of batch) {
    let g = groups.get(p.charge.name);
    if (g === undefined) groups.set(p.charge.name, (g = { name: p.charge.name, members: [] }));
    g.members.push(p);
  }
  return [...groups.values()].sort((a, b) => compare(a.name, b.name));
}

/** The change row of a bucket's charges: their sum, at the latest of their times, with the latest limits. */
function groupRow(g: BucketGroup): BucketChangeRow {
  let cost = 0;
  let now = Number.NEGATIVE_INFINITY;
  for (const p of g.members) {
    cost += p.charge.cost;
    now = Math.max(now, p.charge.now);
  }
  const last = (g.members[g.members.length - 1] as Pending).charge;
  return chargeRow(g.name, last.limits, now, cost);
}

/** Resolves each charge of a group with the balance right after it: the final balance plus what the later charges took. */
function settleGroup(g: BucketGroup, after: BucketState): void {
  let later = g.members.reduce((t, p) => t + p.charge.cost, 0);
  for (const p of g.members) {
    later -= p.charge.cost;
    p.resolve({ ...after, balance: after.balance + later });
  }
}

/** `o` without its `undefined` properties, so that `{ maxBatch: undefined }` keeps the default. */
function definedOnly<O extends object>(o: O): O {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;
}
