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
