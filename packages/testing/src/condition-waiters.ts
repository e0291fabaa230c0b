/** Promises that resolve once a condition over recorded state holds (see {@link createConditionWaiters}). */
export interface ConditionWaiters {
  /** Re-checks every pending condition; call it whenever the recorded state changes. */
  notify(): void;
  /** Resolves once `done()` is true; rejects after `timeoutMs` with `describe()` in the message. */
  waitFor(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void>;
}

/** A set of pending conditions, re-checked on every {@link ConditionWaiters.notify}. */
export function createConditionWaiters(): ConditionWaiters {
  const pending = new Set<() => void>();
  return {
    notify() {
      for (const check of [...pending]) check();
    },
    waitFor(done, timeoutMs, describe) {
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!done()) return;
          pending.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          pending.delete(check);
          reject(new Error(`${describe()} after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.add(check);
      });
    },
  };
}
