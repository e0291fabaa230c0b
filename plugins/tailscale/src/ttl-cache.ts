/** Options of a {@link TtlCache}. */
export interface TtlCacheOptions {
  /** Most entries kept; the oldest is dropped first. `0` keeps nothing. */
  readonly maxEntries: number;
  /** Clock in milliseconds (tests inject one). */
  readonly now: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A small bounded cache with a time-to-live per entry, which also shares one pending lookup
 * between concurrent callers of the same key (a cold cache does not stampede tailscaled).
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #pending = new Map<K, Promise<V>>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: TtlCacheOptions) {
    this.#max = options.maxEntries;
    this.#now = options.now;
  }

  /** Entries currently stored (expired ones included until they are looked up or pushed out). */
  get size(): number {
    return this.#entries.size;
  }

  /** The live entry for `key`, or `undefined` (an expired entry is dropped). */
  get(key: K): { readonly value: V } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Stores `value` for `ttlMs` milliseconds (not at all when `ttlMs` or the size limit is 0). */
  set(key: K, value: V, ttlMs: number): void {
    if (ttlMs <= 0 || this.#max <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  /**
   * The cached value, or the result of `load` (shared with concurrent callers of the same key),
   * stored for the TTL `ttlOf(value)` returns. A failed load is not cached.
   */
  async resolve(key: K, load: () => Promise<V>, ttlOf: (value: V) => number): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit.value;
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = load().then(
        (value) => {
          this.#pending.delete(key);
          this.set(key, value, ttlOf(value));
          return value;
        },
        (err: unknown) => {
          this.#pending.delete(key);
          throw err;
        },
      );
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
