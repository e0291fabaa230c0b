/** Where a {@link DecisionCache.load} answer came from. */
export type CacheSource = 'cache' | 'shared' | 'loaded';

/** Options of a {@link DecisionCache}. */
export interface DecisionCacheOptions {
  /** How long an entry is reused (ms); 0 keeps nothing (in-flight loads are still shared). */
  readonly ttlMs: number;
  /** Most entries kept; the least recently used goes first. */
  readonly maxEntries: number;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expires: number;
}

/**
 * A bounded TTL cache of decisions (allows and denies alike) with in-flight sharing: concurrent
 * loads of one key make one call, and every caller gets its answer. Only values the loader marks
 * cacheable are kept (failures are not).
 */
export class DecisionCache<V> {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #inflight = new Map<string, Promise<unknown>>();

  constructor(options: DecisionCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxEntries;
    this.#now = options.now;
  }

  /** Entries held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** The live value of `key`, if any (and marks it recently used). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value for the TTL (no-op when the TTL is 0). */
  set(key: string, value: V): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /**
   * The cached value of `key`, else the result of `loader`, shared with every concurrent caller
   * of the same key. `keep` picks the value to cache from a result (`undefined`: do not cache).
   */
  async load<R>(key: string, loader: () => Promise<R>, keep: (result: R) => V | undefined): Promise<{ readonly hit: V; readonly source: 'cache' } | { readonly result: R; readonly source: 'shared' | 'loaded' }> {
    const cached = this.get(key);
    if (cached !== undefined) return { hit: cached, source: 'cache' };
    const pending = this.#inflight.get(key) as Promise<R> | undefined;
    if (pending !== undefined) return { result: await pending, source: 'shared' };
    const promise = loader().then((result) => {
      const value = keep(result);
      if (value !== undefined) this.set(key, value);
      return result;
    });
    this.#inflight.set(key, promise);
    try {
      return { result: await promise, source: 'loaded' };
    } finally {
      this.#inflight.delete(key);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
