import type { JsonObject } from '@tollgate/core';

/** Default status of a `block` without a usable `status_code`. */
export const DEFAULT_BLOCK_STATUS = 403;

/** Default message of a `block` without a `message`. */
export const DEFAULT_BLOCK_MESSAGE = 'request blocked by guardrail';

/** What a `pre_request` reply means. */
export type GuardrailVerdict =
  | { readonly action: 'allow'; readonly note?: string }
  | { readonly action: 'block'; readonly status: number; readonly message: string }
  | { readonly action: 'modify'; readonly body: JsonObject }
  | { readonly action: 'invalid'; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads a `GuardrailResponse` (Aperture 4.4). `block` uses `status_code` when it is an integer
 * from 400 to 599 (else 403) and `message` when it is a non-empty string (else the default).
 * `modify` without an object `request_body` counts as `allow`. Anything else (not an object, no
 * or an unknown `action`) is invalid: the hook failed, and its `fail_policy` decides.
 */
export function readGuardrailReply(reply: unknown): GuardrailVerdict {
  if (!isObject(reply)) return { action: 'invalid', reason: 'reply is not a JSON object' };
  switch (reply.action) {
    case 'allow':
      return { action: 'allow' };
    case 'block': {
      const code = reply.status_code;
      const status = typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : DEFAULT_BLOCK_STATUS;
      const message = typeof reply.message === 'string' && reply.message.length > 0 ? reply.message : DEFAULT_BLOCK_MESSAGE;
      return { action: 'block', status, message };
    }
    case 'modify':
      return isObject(reply.request_body) ? { action: 'modify', body: reply.request_body } : { action: 'allow', note: 'modify without an object request_body; treated as allow' };
    default:
      return { action: 'invalid', reason: typeof reply.action === 'string' ? `unknown action "${reply.action.slice(0, 40)}"` : 'reply has no action' };
  }
}
