import type { Store, StoreLogger } from '@tollgate/store';
import type { ChargeParams } from '../quota/atomic-charge.js';
import type { BucketState } from '../quota/token-bucket.js';
import { BucketStore } from './bucket-store.js';

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

interface Pending {
  readonly params: ChargeParams;
  readonly resolve: (state: BucketState) => void;
  readonly reject: (err: Error) => void;
}

/** Error of a charge that was not written (queue full, refused by the store, or closed). */
export class ChargeDroppedError extends Error {
  /** Always `TG_ERR_QUOTA_CHARGE_DROPPED`. */
  readonly code = 'TG_ERR_QUOTA_CHARGE_DROPPED';
}

/**
 * Writes bucket charges with **group commit**: a charge arriving while the store is idle is
 * written at once (one atomic statement); charges arriving while a write is in flight wait and go
 * together in the next transaction, each still one atomic statement, ordered by bucket name so that
 * gateways sharing a PostgreSQL database lock rows in the same order (no deadlock). Each charge
 * resolves with its bucket's state after it, once committed. While the store is down, charges wait
 * (bounded) and are retried with backoff; a charge is never lost silently (drops are counted and
 * logged). A batch that fails is rolled back as a whole, so a retry never charges twice.
 */
export class ChargeQueue {
  readonly #store: Pick<Store, 'db' | 'ping'>;
  readonly #o: Required<ChargeQueueOptions>;
  #queue: Pending[] = [];
  #running = false;
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

  constructor(store: Pick<Store, 'db' | 'ping'>, options: ChargeQueueOptions) {
    this.#store = store;
    this.#o = { maxQueued: 10_000, maxBatch: 256, retryMinMs: 100, retryMaxMs: 5_000, isolateAfter: 3, logIntervalMs: 10_000, ...definedOnly(options) };
  }

  /** Queues a charge; resolves with the bucket's state after it once committed, rejects with {@link ChargeDroppedError} when it is dropped. */
  charge(params: ChargeParams): Promise<BucketState> {
    if (this.#closed) return Promise.reject(this.#drop(1, 'the quota store is closed'));
    if (this.#queue.length >= this.#o.maxQueued) return Promise.reject(this.#drop(1, `more than ${this.#o.maxQueued} charges are waiting for the store`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ params, resolve, reject });
      if (!this.#running) void this.#run();
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
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.slice(0, this.#o.maxBatch);
        try {
          const states = await this.#write(batch);
          this.#queue.splice(0, batch.length);
          this.#succeeded(batch.length);
          batch.forEach((p, i) => p.resolve(states[i] as BucketState));
        } catch (err) {
          this.#failed(err, batch.length);
          if (this.#closed && this.#queue.length === 0) break;
          if (this.#failuresInRow >= this.#o.isolateAfter && (await this.#store.ping())) await this.#isolate(batch);
          else await this.#sleep(Math.min(this.#o.retryMaxMs, this.#o.retryMinMs * 2 ** Math.min(this.#failuresInRow - 1, 20)) * (0.5 + Math.random() / 2));
        }
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** One charge: one statement (atomic by itself). Several: one transaction, in bucket-name order. */
  async #write(batch: readonly Pending[]): Promise<BucketState[]> {
    if (batch.length === 1) return [await BucketStore.charge(this.#store.db, (batch[0] as Pending).params)];
    const order = batch.map((_, i) => i).sort((a, b) => compare((batch[a] as Pending).params.name, (batch[b] as Pending).params.name));
    const states = new Array<BucketState>(batch.length);
    await this.#store.db.transaction().execute(async (trx) => {
      for (const i of order) states[i] = await BucketStore.charge(trx, (batch[i] as Pending).params);
    });
    return states;
  }

  /** Writes a batch that keeps failing charge by charge; a charge the store refuses alone is dropped. */
  async #isolate(batch: readonly Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        const state = await BucketStore.charge(this.#store.db, p.params);
        this.#remove(p);
        this.#succeeded(1);
        p.resolve(state);
      } catch (err) {
        if (!(await this.#store.ping())) return; // the store went down: retry the batch later
        this.#remove(p);
        this.#o.logger.error({ err, bucket: p.params.name, cost: p.params.cost }, 'the store refused a quota charge; it is lost');
        p.reject(this.#drop(1, 'the store refused the charge'));
      }
    }
  }

  #remove(p: Pending): void {
    const i = this.#queue.indexOf(p);
    if (i >= 0) this.#queue.splice(i, 1);
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

/** `o` without its `undefined` properties, so that `{ maxBatch: undefined }` keeps the default. */
function definedOnly<O extends object>(o: O): O {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;
}
