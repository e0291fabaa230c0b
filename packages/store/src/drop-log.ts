import type { StoreLogger } from './types.js';

/**
 * Logs dropped records at most once per interval: the first drop at once, later ones summed
 * into one line when the interval has passed (by a timer, so a burst is never left unlogged).
 */
export class DropLog {
  readonly #name: string;
  readonly #log: StoreLogger;
  readonly #intervalMs: number;
  #pending: Record<string, number> = {};
  #pendingTotal = 0;
  #buffered = 0;
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(name: string, log: StoreLogger, intervalMs: number) {
    this.#name = name;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** Records `n` drops for `reason`; `buffered` is the buffer's size at the time. */
  count(reason: string, n: number, buffered: number): void {
    this.#pending[reason] = (this.#pending[reason] ?? 0) + n;
    this.#pendingTotal += n;
    this.#buffered = buffered;
    const wait = this.#lastAt + this.#intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), wait);
      this.#timer.unref();
    }
  }

  /** Logs the drops not logged yet, now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingTotal === 0) return;
    this.#log.warn({ writer: this.#name, dropped: this.#pendingTotal, reasons: this.#pending, buffered: this.#buffered }, 'batch writer dropped records');
    this.#pending = {};
    this.#pendingTotal = 0;
    this.#lastAt = Date.now();
  }
}
