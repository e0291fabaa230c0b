import { writeSync } from 'node:fs';
import pino, { type DestinationStream } from 'pino';

/** Options of a {@link BatchedDestination}. */
export interface BatchedDestinationOptions {
  /** File descriptor written to (default 1, stdout). */
  readonly fd?: number;
  /** Characters of pending lines that trigger a write at once. */
  readonly batchChars: number;
  /** Longest time a line waits before it is written (ms). */
  readonly intervalMs: number;
}

/** Destinations with lines pending, written out when the process exits. */
const live = new Set<WeakRef<BatchedDestination>>();
let exitHooked = false;

function flushAllOnExit(): void {
  for (const ref of live) ref.deref()?.flushSync();
}

/**
 * A pino destination that collects lines and hands them to pino's asynchronous stdout stream
 * (SonicBoom) in batches: at once when `batchChars` have collected, else after `intervalMs`.
 *
 * Every write of the asynchronous stream goes through libuv's thread pool at a fixed cost whatever
 * its size; written one line at a time, a busy gateway's access lines would cost a large share of
 * its CPU (bench/README.md has the measurements). SonicBoom's own `minLength` batching measures the whole pending text on every line
 * (quadratic in the batch), hence this buffer in front of it, which only joins once per batch.
 *
 * Lines pending when the process exits (normally, or on an uncaught exception) are written
 * synchronously then, and `flush()` / `flushSync()` hand them over at once; only a process killed
 * outright (SIGKILL) loses what it had collected, at most `intervalMs` of lines.
 */
export class BatchedDestination implements DestinationStream {
  readonly #fd: number;
  readonly #target: ReturnType<typeof pino.destination>;
  readonly #batchChars: number;
  readonly #intervalMs: number;
  readonly #ref: WeakRef<BatchedDestination>;
  #lines: string[] = [];
  #chars = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(options: BatchedDestinationOptions) {
    this.#fd = options.fd ?? 1;
    this.#batchChars = options.batchChars;
    this.#intervalMs = options.intervalMs;
    this.#target = pino.destination({ dest: this.#fd, sync: false, minLength: 0 });
    this.#ref = new WeakRef(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', flushAllOnExit);
      // The loop is about to run dry (nothing else keeps it alive, the timer is unref'd): hand
      // pending lines to the stream while it can still write them asynchronously.
      process.on('beforeExit', flushAllOnExit);
    }
  }

  /** Queues one serialised line. */
  write(line: string): boolean {
    if (this.#ended) return false;
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#batchChars) this.#handOver();
    else if (this.#timer === undefined) {
      live.add(this.#ref);
      this.#timer = setTimeout(() => this.#handOver(), this.#intervalMs);
      this.#timer.unref();
    }
    return true;
  }

  /** Hands pending lines to the stream now; `cb` as the stream's `flush` calls it. */
  flush(cb?: (err?: Error) => void): void {
    this.#handOver();
    if (this.#ended) cb?.();
    else this.#target.flush(cb);
  }

  /** Writes pending lines synchronously (process exit). */
  flushSync(): void {
    const text = this.#take();
    if (text === undefined) return;
    try {
      this.#target.write(text);
    } catch {
      // The stream was ended or failed: write what is left directly.
      try {
        writeSync(this.#fd, text);
      } catch {
        /* nowhere left to write */
      }
      return;
    }
    try {
      this.#target.flushSync();
    } catch {
      /* not ready or failed: the stream keeps the text for its own exit flush */
    }
  }

  /** Writes what is pending and ends the stream. */
  end(): void {
    this.#handOver();
    this.#ended = true;
    this.#target.end();
  }

  #take(): string | undefined {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    live.delete(this.#ref);
    if (this.#lines.length === 0) return undefined;
    const lines = this.#lines;
    this.#lines = [];
    this.#chars = 0;
    return lines.length === 1 ? lines[0] : lines.join('');
  }

  #handOver(): void {
    const text = this.#take();
    if (text !== undefined) this.#target.write(text);
  }
}
