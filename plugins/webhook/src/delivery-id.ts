import { createHash } from 'node:crypto';
import type { HookEventName } from './types.js';

/**
 * The id of one delivery (`webhook-id` header): `msg_` and 32 hex digits derived from the request
 * id, the hook name and the event. Stable across retries, restarts and config reloads, and the
 * same if one exchange were ever enqueued twice, so receivers can deduplicate on it.
 */
export function deliveryId(requestId: string, hook: string, event: HookEventName): string {
  return `msg_${createHash('sha256').update(`${requestId}\u0000${hook}\u0000${event}`).digest('hex').slice(0, 32)}`;
}
