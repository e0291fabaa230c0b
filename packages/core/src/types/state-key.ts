/**
 * A typed key for per-request state that plugins share (the grants plugin stores the caller's
 * effective capabilities under one; the webhook plugin reads it). Create one per module:
 * `export const GRANTS = createStateKey<EffectiveCapabilities>('grants')`.
 */
export interface StateKey<T> {
  /** Debug name. */
  readonly name: string;
  /** Phantom marker carrying the value type; never set at run time. */
  readonly __type?: T;
}

/** Creates a new, unique {@link StateKey}. */
export function createStateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name });
}

/** Read/write access to per-request plugin state. */
export interface StateBag {
  /** Returns the value stored under `key`, if any. */
  get<T>(key: StateKey<T>): T | undefined;
  /** Stores `value` under `key`. */
  set<T>(key: StateKey<T>, value: T): void;
  /** True when a value is stored under `key`. */
  has(key: StateKey<unknown>): boolean;
}

/** A {@link StateBag} backed by a Map. */
export class MapStateBag implements StateBag {
  readonly #values = new Map<StateKey<unknown>, unknown>();
  /** @inheritdoc */
  get<T>(key: StateKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }
  /** @inheritdoc */
  set<T>(key: StateKey<T>, value: T): void {
    this.#values.set(key, value);
  }
  /** @inheritdoc */
  has(key: StateKey<unknown>): boolean {
    return this.#values.has(key);
  }
}
