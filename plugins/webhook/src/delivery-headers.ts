import type { ResolvedEndpoint } from './internal-types.js';
import type { HookEventName } from './types.js';

/**
 * Headers of one delivery attempt: JSON content type, user agent, the hook's auth header, the
 * Standard Webhooks `webhook-id` (stable per delivery) and `webhook-timestamp` (this attempt,
 * seconds), `webhook-signature` when the hook has a `signing_secret`, and `x-tollgate-event` /
 * `x-tollgate-attempt`.
 */
export function deliveryHeaders(endpoint: ResolvedEndpoint, id: string, event: HookEventName, attempt: number, body: Buffer, nowMs: number, userAgent: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    ...endpoint.auth,
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'x-tollgate-event': event,
    'x-tollgate-attempt': String(attempt),
  };
  if (endpoint.signer !== undefined) headers['webhook-signature'] = endpoint.signer.sign(id, timestamp, body);
  return headers;
}
