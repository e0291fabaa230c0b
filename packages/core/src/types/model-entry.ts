import type { Logger } from 'pino';
import type { Identity } from './identity.js';

/** One model offered by `GET /v1/models`. */
export interface ModelEntry {
  /** Model id. */
  readonly id: string;
  /** Provider id serving it (the highest preference among those that do). */
  readonly provider: string;
  /** Provider display name. */
  readonly providerName: string;
  /** Provider description. */
  readonly providerDescription: string;
  /** Client API paths this model can be used on. */
  readonly supportedEndpoints: readonly string[];
}

/** Context of a `GET /v1/models` call. */
export interface ModelsContext {
  /** Who is asking. */
  readonly identity: Identity;
  /** Request-scoped logger. */
  readonly log: Logger;
}

/** Prices of a model, in US dollars per million tokens (absent: not known). */
export interface ModelPricing {
  /** Input tokens. */
  readonly inputPerMtok?: number;
  /** Output tokens. */
  readonly outputPerMtok?: number;
  /** Input tokens read from the cache. */
  readonly cachedInputPerMtok?: number;
  /** Where the prices come from (`anthropic/claude-sonnet-4-5`). */
  readonly costBasis?: string;
}

/** One model as the control plane describes it (`GET /api/models`, the dashboard's Models page). */
export interface ModelDescription {
  /** Model id. */
  readonly id: string;
  /** Provider id serving it. */
  readonly provider: string;
  /** Provider display name. */
  readonly providerName: string;
  /** Client API formats the provider accepts for it. */
  readonly compatibility: readonly string[];
  /** Client paths it can be used on. */
  readonly endpoints: readonly string[];
  /** True when the caller may use it (it is in the caller's `listModels` answer). */
  readonly allowed: boolean;
  /** Its prices, when a plugin knows them (the quotas plugin does). */
  readonly pricing?: ModelPricing;
}
