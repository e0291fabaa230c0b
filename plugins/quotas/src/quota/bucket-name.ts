import type { Identity } from '@tollgate/core';

/** `<user>`: the caller's login name, or the sorted comma-joined tags of a tagged device. */
export const USER_TEMPLATE = '<user>';
/** `<node>`: the calling device's stable node id. */
export const NODE_TEMPLATE = '<node>';
/** The templates a bucket name may use. */
export const BUCKET_TEMPLATES: readonly string[] = Object.freeze([USER_TEMPLATE, NODE_TEMPLATE]);

const TEMPLATE = /<[^<>]*>/g;

/** The templates a bucket name uses that are not `<user>` or `<node>` (`"daily:<team>"` → `["<team>"]`). */
export function unsupportedTemplates(name: string): string[] {
  return [...new Set(name.match(TEMPLATE) ?? [])].filter((t) => !BUCKET_TEMPLATES.includes(t));
}

/** A bucket name with its templates filled in, or why they cannot be. */
export type BucketNameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

/**
 * Fills a bucket name's templates for a caller: `<user>` → `identity.login` (a login name, or
 * the tag combination of a tagged device), `<node>` → `identity.stableNodeId`. A name without a
 * template is one shared bucket. A caller without a node id (API-key and loopback callers) cannot
 * fill `<node>`: that is an error, so the request fails closed rather than escaping the quota
 * (provisional: Aperture always knows the node).
 */
export function resolveBucketName(template: string, identity: Identity): BucketNameResult {
  const unsupported = unsupportedTemplates(template);
  if (unsupported.length > 0) return { ok: false, reason: `bucket "${template}" uses unsupported template ${unsupported.map((t) => `"${t}"`).join(', ')} (supported: <user>, <node>)` };
  if (template.includes(NODE_TEMPLATE) && !identity.stableNodeId) return { ok: false, reason: `bucket "${template}" needs the caller's node id, which is unknown for this caller` };
  // Replacer functions, so that a `$&` in a login is not read as a replacement pattern.
  const name = template.replaceAll(USER_TEMPLATE, () => identity.login).replaceAll(NODE_TEMPLATE, () => identity.stableNodeId ?? '');
  return { ok: true, name };
}
