/**
 * How a delivery attempt is cancelled (timeout, shutdown) without an `AbortController` per attempt:
 * the HTTP transport registers one listener through {@link ON_ABORT}; a `signal` is made only when
 * a transport reads it (custom transports get a real `AbortSignal`, as documented).
 */
export class AttemptAbort {
  /** True once aborted. */
  aborted = false;
  /** Why, once aborted. */
  reason: unknown;
  #controller: AbortController | undefined;
  #listener: ((reason: unknown) => void) | undefined;

  /** An `AbortSignal` that follows this abort (made on first read). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Calls `fn` once when aborted (at once if it already was); one listener, the latest. */
  onAbort(fn: (reason: unknown) => void): void {
    if (this.aborted) fn(this.reason);
    else this.#listener = fn;
  }

  /** Drops the listener (the attempt ended). */
  clear(): void {
    this.#listener = undefined;
  }

  /** Aborts: the listener and the signal (if made) see `reason`. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(reason);
  }
}

/** Where a delivery made by the queue carries its {@link AttemptAbort} (not part of the public type). */
export const ON_ABORT: unique symbol = Symbol('tollgate.webhook.attemptAbort');
