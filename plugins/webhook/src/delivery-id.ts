import { hash } from 'node:crypto';
import type { HookEventName } from './types.js';

/**
 * The id of one delivery (`webhook-id` header): `msg_` and 32 hex digits derived from the request
 * id, the hook name and the event. Stable across retries, restarts and config reloads, and the
 * same if one exchange were ever enqueued twice, so receivers can deduplicate on it.
 */
export function deliveryId(requestId: string, hook: string, event: HookEventName): string {
  // One-shot `crypto.hash`: a fifth of the cost of createHash().update().digest(), same digest.
  return `msg_${hash('sha256', `${requestId}\u0000${hook}\u0000${event}`, 'hex').slice(0, 32)}`;
}
