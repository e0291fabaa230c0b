import type { Identity } from '@tollgate/core';
import type { ActorMapping } from './schema.js';
import type { OsoEntity } from './types.js';

/** Prefix of tag identities (`tag:ci`). */
const TAG_PREFIX = 'tag:';

/** True when the caller is a tagged device (its login is its sorted, comma-joined tags). */
export function isTagged(identity: Identity): boolean {
  return identity.tags.length > 0 || identity.login.startsWith(TAG_PREFIX);
}

/**
 * The Oso actor of a caller: people are `{type: actor.type, id: <login>}` (`User:alice@example.com`);
 * tagged devices use `tagged_type` / `tagged_id` when set (`Device:tag:ci`), else the same
 * mapping. `undefined` when the identity lacks the configured field (no stable node id).
 */
export function actorOf(identity: Identity, mapping: ActorMapping): OsoEntity | undefined {
  const tagged = isTagged(identity);
  const type = tagged ? (mapping.tagged_type ?? mapping.type) : mapping.type;
  const field = tagged ? (mapping.tagged_id ?? mapping.id) : mapping.id;
  const id = field === 'login' ? identity.login : (identity.stableNodeId ?? '');
  return id === '' ? undefined : { type, id };
}

/** `Type:id`, for logs and decisions. */
export function entityLabel(entity: OsoEntity): string {
  return `${entity.type}:${entity.id}`;
}
