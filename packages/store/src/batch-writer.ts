import type { Transaction } from 'kysely';
import { DropLog } from './drop-log.js';
import type { Store, StoreLogger } from './types.js';

/** Options of a {@link BatchWriter}. */
export interface BatchWriterOptions<T> {
  /** Names the writer in logs, e.g. `capture.exchanges`. */
  readonly name: string;
  /** Logger for drops, outages and recoveries (rate-limited). */
  readonly logger: StoreLogger;
  /**
   * Writes one batch, in order, inside the transaction `trx` (one transaction per batch; it
   * commits when the promise resolves). Throwing rolls the whole batch back; it is retried.
   */
  readonly write: (trx: Transaction<any>, records: readonly T[]) => Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each writer brings its own table types
  /**
   * A batch is written once this many records wait. Each batch costs the main thread about
   * 5 µs per record at once (compiling the insert, copying it to the worker): 64 keeps that
   * stall well under a millisecond (see the README's measurements).
   * @default 64
   */
  readonly maxBatchRecords?: number;
  /**
   * When more than this many records wait (the store fell behind), batches take this many, so
   * fewer transactions catch up faster; each such batch stalls the main thread longer.
   * @default 256
   */
  readonly catchUpBatchRecords?: number;
  /**
   * ...or once the oldest waiting record has waited this long.
   * @default 200
   */
  readonly flushIntervalMs?: number;
  /**
   * The most records held (waiting or being written); more are dropped and counted.
   * @default 10000
   */
  readonly maxBufferedRecords?: number;
  /**
   * The most bytes held, as {@link sizeOf} counts them; more are dropped and counted.
   * Only applies when `sizeOf` is given.
   * @default 67108864 (64 MiB)
   */
  readonly maxBufferedBytes?: number;
  /** A record's size in bytes (e.g. the lengths of its bodies); called once per record. */
  readonly sizeOf?: (record: T) => number;
  /**
   * First wait before retrying a failed batch; it doubles (with jitter) up to {@link retryMaxMs}.
   * @default 100
   */
  readonly retryMinMs?: number;
  /**
   * Longest wait between retries.
   * @default 5000
   */
  readonly retryMaxMs?: number;
  /**
   * A batch that failed this many times while the store still answers `ping` is written
   * record by record, and the records the store refuses alone are dropped (`rejected`).
   * @default 3
   */
  readonly isolateAfter?: number;
  /**
   * At most one log line about drops, and one about failing writes, per this many ms.
   * @default 10000
   */
  readonly logIntervalMs?: number;
}

/** Why records were dropped. */
export interface DropCounts {
  /** The buffer was full (count or bytes). */
  readonly overflow: number;
  /** The store refused the record itself (a constraint, a value it cannot bind) alone in its transaction, or `sizeOf` threw on it. */
  readonly rejected: number;
  /** Pushed after `close()`, or still unwritten when its deadline passed. */
  readonly closed: number;
}

/** What a {@link BatchWriter} has done so far. */
export interface BatchWriterStats {
  /** Records held now: waiting or being written. */
  readonly buffered: number;
  /** Bytes held now, as `sizeOf` counts them (0 without `sizeOf`). */
  readonly bufferedBytes: number;
  /** Records committed. */
  readonly written: number;
  /** Records lost, for any reason (the sum of {@link droppedBy}). */
  readonly dropped: number;
  /** Records lost, by reason. */
  readonly droppedBy: DropCounts;
  /** Batch (or single-record) transactions that failed; each is retried or isolated. */
  readonly failedWrites: number;
  /** The message of the last failed write, if any. */
  readonly lastError: string | undefined;
  /** False from a failed write until the next successful one. */
  readonly healthy: boolean;
}

/** `o` without its `undefined` properties, so that `{ maxBatchRecords: undefined }` keeps the default. */
function definedOnly<O extends object>(o: O): O {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;
}

interface Entry<T> {
  readonly record: T;
  readonly size: number;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

/**
 * Writes records to the store in batches, off the request path: `push()` only queues (it never
 * throws and never waits), a batch is written once `maxBatchRecords` wait or the oldest has
 * waited `flushIntervalMs`, one transaction per batch, one batch at a time, in push order.
 * While the store is slow or down, records wait in a bounded buffer and the batch is retried
 * with exponential backoff until the store answers again; records beyond the bound are dropped,
 * counted in {@link stats} and logged (rate-limited). `flush()` and `close()` write what is
 * held within a deadline.
 */
export class BatchWriter<T> {
  readonly #store: Pick<Store, 'db' | 'ping'>;
  readonly #o: Required<Omit<BatchWriterOptions<T>, 'sizeOf'>> & Pick<BatchWriterOptions<T>, 'sizeOf'>;
  readonly #drops: DropLog;
  /** Waiting records, oldest first; the batch being written is at the head until it commits. */
  #queue: Entry<T>[] = [];
  #bytes = 0;
  /** Records accepted, and records taken off the queue (written or rejected), since creation. */
  #accepted = 0;
  #settled = 0;
  #written = 0;
  #dropped = { overflow: 0, rejected: 0, closed: 0 };
  #failedWrites = 0;
  #lastError: string | undefined;
  #healthy = true;
  #lastFailureLog = 0;
  #failuresSinceLog = 0;
  #attempt = 0;
  #due = false;
  #kickScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  #flushWaiters: FlushWaiter[] = [];
  #closed = false;
  #abandoned = false;
  #finalized = false;
  #closing: Promise<void> | undefined;

  constructor(store: Pick<Store, 'db' | 'ping'>, options: BatchWriterOptions<T>) {
    this.#store = store;
    this.#o = {
      maxBatchRecords: 64,
      catchUpBatchRecords: 256,
      flushIntervalMs: 200,
      maxBufferedRecords: 10_000,
      maxBufferedBytes: 64 * 1024 * 1024,
      retryMinMs: 100,
      retryMaxMs: 5_000,
      isolateAfter: 3,
      logIntervalMs: 10_000,
      ...definedOnly(options),
    };
    this.#drops = new DropLog(options.name, options.logger, this.#o.logIntervalMs);
  }

  /**
   * Queues `record` for writing. Returns false when it was dropped (buffer full, writer closed,
   * or `sizeOf` threw); the drop is counted and logged. Never throws.
   */
  push(record: T): boolean {
    try {
      if (this.#closed) return this.#drop('closed', 1);
      const size = this.#o.sizeOf === undefined ? 0 : this.#o.sizeOf(record);
      if (this.#queue.length >= this.#o.maxBufferedRecords || (this.#o.sizeOf !== undefined && this.#bytes + size > this.#o.maxBufferedBytes)) {
        return this.#drop('overflow', 1);
      }
      this.#queue.push({ record, size });
      this.#bytes += size;
      this.#accepted++;
      if (this.#queue.length >= this.#o.maxBatchRecords) this.#kick();
      else this.#armTimer();
      return true;
    } catch (err) {
      this.#o.logger.error({ writer: this.#o.name, error: err instanceof Error ? err.message : String(err) }, 'batch writer could not queue a record; dropped');
      return this.#drop('rejected', 1);
    }
  }

  /** Counters and health; a fresh object on each call. */
  stats(): BatchWriterStats {
    const d = this.#dropped;
    return {
      buffered: this.#queue.length,
      bufferedBytes: this.#bytes,
      written: this.#written,
      dropped: d.overflow + d.rejected + d.closed,
      droppedBy: { ...d },
      failedWrites: this.#failedWrites,
      lastError: this.#lastError,
      healthy: this.#healthy,
    };
  }

  /**
   * Writes every record pushed before this call without waiting for the interval, retrying
   * while the store is down, for at most `timeoutMs`. Resolves true when all of them were
   * written (or rejected by the store), false at the deadline. Never rejects.
   */
  async flush(timeoutMs = 5_000): Promise<boolean> {
    const target = this.#accepted;
    if (this.#settled >= target) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = { target, resolve: () => resolve(true) };
      this.#flushWaiters.push(waiter);
      timer = setTimeout(() => {
        this.#flushWaiters = this.#flushWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
    });
    this.#wake();
    this.#start();
    const ok = await done;
    clearTimeout(timer);
    return ok;
  }

  /**
   * Stops accepting records (later pushes are dropped as `closed`), writes what is held within
   * `timeoutMs` (retrying while the store is down), then drops and counts whatever is left
   * (it waits up to 1 s more for a write in flight; records whose write is still in flight
   * then count as dropped, though they may still land).
   * Call it before closing the store. Idempotent; never rejects.
   */
  close(timeoutMs = 5_000): Promise<void> {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush(timeoutMs);
    this.#abandoned = true;
    this.#wake();
    const running = this.#running;
    if (running !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1_000)))]);
      clearTimeout(timer);
    }
    this.#finalized = true;
    const left = this.#queue.length;
    this.#queue = [];
    this.#bytes = 0;
    if (left > 0) this.#drop('closed', left);
    this.#drops.flush();
    this.#releaseFlushWaiters(true);
  }

  #drop(reason: keyof DropCounts, n: number): false {
    this.#dropped[reason] += n;
    this.#drops.count(reason, n, this.#queue.length);
    return false;
  }

  /** Starts writing on the next turn of the event loop, so a push costs its caller nothing more. */
  #kick(): void {
    if (this.#kickScheduled || this.#running !== undefined) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.#start();
    });
  }

  #armTimer(): void {
    if (this.#timer !== undefined || this.#running !== undefined || this.#queue.length === 0 || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#start();
    }, this.#o.flushIntervalMs);
    this.#timer.unref();
  }

  #start(): void {
    if (this.#running !== undefined || this.#abandoned) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#abandoned) return;
      if (this.#wantsWrite()) this.#start();
      else this.#armTimer();
    });
  }

  #wantsWrite(): boolean {
    if (this.#queue.length === 0 || this.#abandoned) return false;
    return this.#queue.length >= this.#o.maxBatchRecords || this.#due || this.#flushWaiters.length > 0 || this.#closed;
  }

  async #loop(): Promise<void> {
    while (this.#wantsWrite()) {
      const { maxBatchRecords, catchUpBatchRecords } = this.#o;
      const behind = this.#queue.length > catchUpBatchRecords;
      const batch = this.#queue.slice(0, behind ? Math.max(maxBatchRecords, catchUpBatchRecords) : maxBatchRecords);
      try {
        await this.#transaction(batch);
        this.#succeeded(batch.length);
      } catch (err) {
        this.#failed(err, batch.length);
        if (this.#abandoned) return;
        if (this.#attempt >= this.#o.isolateAfter && (await this.#store.ping())) {
          await this.#isolate(batch);
          continue;
        }
        await this.#sleep(this.#backoff());
      }
    }
    this.#due = false;
  }

  /** Writes `batch` one record per transaction; drops the ones the store refuses while it answers. */
  async #isolate(batch: Entry<T>[]): Promise<void> {
    for (const entry of batch) {
      if (this.#abandoned) return;
      try {
        await this.#transaction([entry]);
        this.#succeeded(1);
      } catch (err) {
        this.#failed(err, 1);
        if (!(await this.#store.ping()) || this.#finalized) return;
        this.#remove(1);
        this.#drop('rejected', 1);
        this.#o.logger.warn({ writer: this.#o.name, error: this.#lastError }, 'the store refused a record; dropped');
      }
    }
    this.#attempt = 0;
  }

  #transaction(entries: Entry<T>[]): Promise<void> {
    const records = entries.map((e) => e.record);
    return this.#store.db.transaction().execute((trx) => this.#o.write(trx, records));
  }

  #succeeded(n: number): void {
    if (this.#finalized) return;
    this.#remove(n);
    this.#written += n;
    this.#attempt = 0;
    if (!this.#healthy) {
      this.#healthy = true;
      this.#o.logger.info({ writer: this.#o.name, failedWrites: this.#failuresSinceLog, buffered: this.#queue.length }, 'store writes recovered');
      this.#failuresSinceLog = 0;
    }
  }

  #failed(err: unknown, n: number): void {
    this.#failedWrites++;
    this.#attempt++;
    this.#lastError = err instanceof Error ? err.message : String(err);
    this.#failuresSinceLog++;
    const now = Date.now();
    if (this.#healthy || now - this.#lastFailureLog >= this.#o.logIntervalMs) {
      this.#o.logger.warn(
        { writer: this.#o.name, error: this.#lastError, records: n, buffered: this.#queue.length, failedWrites: this.#failuresSinceLog },
        this.#healthy ? 'store write failed; records are kept and retried' : 'store writes still failing',
      );
      this.#lastFailureLog = now;
      this.#failuresSinceLog = 0;
    }
    this.#healthy = false;
  }

  #remove(n: number): void {
    const removed = this.#queue.splice(0, n);
    for (const e of removed) this.#bytes -= e.size;
    this.#settled += removed.length;
    this.#releaseFlushWaiters(false);
  }

  #releaseFlushWaiters(all: boolean): void {
    if (this.#flushWaiters.length === 0) return;
    const keep: FlushWaiter[] = [];
    for (const w of this.#flushWaiters) {
      if (all || this.#settled >= w.target) w.resolve();
      else keep.push(w);
    }
    this.#flushWaiters = keep;
  }

  #backoff(): number {
    const ceiling = Math.min(this.#o.retryMaxMs, this.#o.retryMinMs * 2 ** Math.min(30, this.#attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.#sleeping = { timer, wake };
    });
  }

  /** Ends a backoff wait early (flush, close). */
  #wake(): void {
    this.#sleeping?.wake();
  }
}
