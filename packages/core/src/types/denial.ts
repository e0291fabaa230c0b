import type { ApiErrorKind } from './api-error.js';

/** What a denied tool call does to the response. */
export type ToolCallAction = 'block' | 'strip';

/**
 * Returned by an `onRequest` or `onToolCall` tap to refuse. For requests, the client gets
 * `status` and `message` in its API format. For tool calls, `action` says whether the whole
 * response ends with an error (`block`, the default) or only that call is removed (`strip`).
 */
export interface Denial {
  /** HTTP status for the client (default 403). */
  readonly status?: number;
  /** Message for the client; never contains secrets. */
  readonly message: string;
  /** Error kind (default `permission`). */
  readonly kind?: ApiErrorKind;
  /** Explicit error `type` in the client's format (e.g. `guardrail_blocked`). */
  readonly type?: string;
  /** Machine-readable code. */
  readonly code?: string;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** For tool calls: `block` (default) ends the response, `strip` removes the call. */
  readonly action?: ToolCallAction;
  /** Who denied: a plugin name (filled in by core from the tap name when missing). */
  readonly by?: string;
  /** Extra members of a problem+json answer on control-plane routes (e.g. `errors`). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Convenience constructor for a {@link Denial}. */
export function deny(message: string, fields: Omit<Denial, 'message'> = {}): Denial {
  return { message, ...fields };
}
