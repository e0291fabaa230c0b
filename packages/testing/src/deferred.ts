/** A promise with its resolve function, to order events in a test without timers. */
export interface Deferred<T = void> {
  /** Settles when {@link resolve} is called. */
  readonly promise: Promise<T>;
  /** Resolves {@link promise}. */
  resolve(value: T): void;
}

/** Makes a {@link Deferred} (`Promise.withResolvers` without its reject, on Node 20 too). */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
