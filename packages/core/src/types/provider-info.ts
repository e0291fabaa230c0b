/**
 * What hooks and plugins see of a provider: who it is and which client API formats it accepts.
 * Never its key, its headers or its connection pool.
 */
export interface ProviderInfo {
  /** Provider id (its key in `providers`). */
  readonly id: string;
  /** Display name (the id when not configured). */
  readonly name: string;
  /** Description (may be empty). */
  readonly description: string;
  /** Client API formats it accepts (`openai_chat`, `anthropic_messages`, ...). */
  readonly compatibility: ReadonlySet<string>;
}

/** How an exchange names its provider: id and display name. */
export interface ProviderRef {
  /** Provider id. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
}
