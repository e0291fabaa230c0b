/**
 * Format-neutral error kinds; each API format maps them to its own error `type`/`status`
 * (see the format adapters' `errorBody`).
 */
export type ApiErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'guardrail'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limit'
  | 'quota'
  | 'upstream'
  | 'timeout'
  | 'unavailable'
  | 'internal';

import { TollgateError } from '../errors.js';

/** An error to be answered to a client in its API format. */
export interface ApiError {
  /** HTTP status. */
  readonly status: number;
  /** Format-neutral kind, mapped to the format's error type. */
  readonly kind: ApiErrorKind;
  /** Human-readable message; never contains secrets. */
  readonly message: string;
  /** Explicit format error `type` overriding the kind's mapping (e.g. `guardrail_blocked`). */
  readonly type?: string;
  /** Optional machine code (`model_not_found`). */
  readonly code?: string;
  /** Extra response headers (`Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Extra members for envelopes that carry them (problem+json on control-plane routes, e.g.
   * `errors: [{path, message}]` on a 422); ignored by the LLM formats' envelopes.
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

const DEFAULT_STATUS: Record<ApiErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  guardrail: 403,
  not_found: 404,
  method_not_allowed: 405,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limit: 429,
  quota: 429,
  upstream: 502,
  timeout: 504,
  unavailable: 503,
  internal: 500,
};

/** Builds an {@link ApiError}; the status defaults from the kind. */
export function apiError(kind: ApiErrorKind, message: string, extra: Partial<Omit<ApiError, 'kind' | 'message'>> = {}): ApiError {
  return { status: DEFAULT_STATUS[kind], kind, message, ...extra };
}

/** The `TG_ERR_*` code of a request-path error of a kind (`not_found` → `TG_ERR_NOT_FOUND`). */
export function requestErrorCode(kind: ApiErrorKind): string {
  return `TG_ERR_${kind.toUpperCase()}`;
}

/**
 * A request-path error: answers the client with an {@link ApiError} in its API format (or as
 * problem+json on control-plane routes). Its `code` is `TG_ERR_<KIND>` (`TG_ERR_NOT_FOUND`) and its
 * `statusCode` the HTTP status. Plugins refuse with a `Denial` (returned from `onRequest` /
 * `onToolCall`, or thrown with `refuse()` where a hook cannot return one).
 */
export class ApiErrorException extends TollgateError {
  /** The error to answer with. */
  readonly apiError: ApiError;
  constructor(error: ApiError, options: { cause?: unknown } = {}) {
    super(requestErrorCode(error.kind), error.message, { cause: options.cause, statusCode: error.status });
    this.name = 'ApiErrorException';
    this.apiError = error;
  }
}
