import type { Identity } from '@tollgate/core';

/** The `src` value that matches everyone. */
export const SRC_EVERYONE = '*';
/** The `src` value that matches the loopback identity. */
export const SRC_LOOPBACK = '(loopback)';
/** Prefix of group names (`group:eng`). */
export const GROUP_PREFIX = 'group:';
/** Prefix of tags (`tag:ci`). */
export const TAG_PREFIX = 'tag:';

/**
 * A grant's `src` list compiled into sets, so that matching a caller costs a few set lookups.
 * Built once per config load by {@link compileSrc}.
 */
export interface SrcMatcher {
  /** `*` was listed. */
  readonly everyone: boolean;
  /** `(loopback)` was listed. */
  readonly loopback: boolean;
  /** Exact login names (users, group emails, members of config-defined groups). */
  readonly logins: ReadonlySet<string>;
  /** Group names and group emails the identity resolver may report in `identity.groups`. */
  readonly groups: ReadonlySet<string>;
  /** Tag sets, sorted and comma-joined (`tag:api,tag:prod`). */
  readonly tagSets: ReadonlySet<string>;
}

/**
 * Normalises a tag `src` entry: the tags of a combination sorted and de-duplicated
 * (`tag:prod,tag:api` → `tag:api,tag:prod`), so it compares with a device's sorted tag list.
 */
export function normalizeTagSet(entry: string): string {
  return [...new Set(entry.split(',').map((t) => t.trim()))].sort().join(',');
}

/**
 * Compiles a grant's `src` list. Config-defined groups are expanded here: `group:eng` matches
 * its configured members by login, and also any identity whose resolver reports `group:eng`.
 * A plain entry (`alice@example.com`, or a group email) matches a login or a reported group.
 */
export function compileSrc(src: readonly string[], groups: Readonly<Record<string, readonly string[]>>): SrcMatcher {
  let everyone = false;
  let loopback = false;
  const logins = new Set<string>();
  const groupNames = new Set<string>();
  const tagSets = new Set<string>();
  for (const entry of src) {
    if (entry === SRC_EVERYONE) everyone = true;
    else if (entry === SRC_LOOPBACK) loopback = true;
    else if (entry.startsWith(TAG_PREFIX)) tagSets.add(normalizeTagSet(entry));
    else if (entry.startsWith(GROUP_PREFIX)) {
      groupNames.add(entry);
      for (const member of groups[entry] ?? []) logins.add(member);
    } else {
      logins.add(entry);
      groupNames.add(entry);
    }
  }
  return { everyone, loopback, logins, groups: groupNames, tagSets };
}

/** The caller facts `src` matching needs, derived once per identity. */
export interface CallerKey {
  /** Login (`alice@example.com`, `tag:a,tag:b`, `(loopback)`). */
  readonly login: string;
  /** Groups reported by the identity resolver. */
  readonly groups: readonly string[];
  /** Sorted comma-joined tags (from `tags`, else from a `tag:` login), or `''` for an untagged caller. */
  readonly tagSet: string;
  /** True only for the fallback loopback identity. */
  readonly loopback: boolean;
}

/** Derives the {@link CallerKey} of an identity. */
export function callerKey(identity: Identity): CallerKey {
  const tags = identity.tags;
  let tagSet = '';
  if (tags.length === 1) tagSet = tags[0] as string;
  else if (tags.length > 1) tagSet = [...new Set(tags)].sort().join(',');
  // A resolver that names a tagged caller by its tags but leaves `tags` empty.
  else if (identity.login.startsWith(TAG_PREFIX)) tagSet = normalizeTagSet(identity.login);
  return { login: identity.login, groups: identity.groups, tagSet, loopback: identity.loopback === true };
}

/** True when a compiled `src` list matches the caller. */
export function srcMatches(m: SrcMatcher, caller: CallerKey): boolean {
  if (m.everyone) return true;
  if (caller.loopback && m.loopback) return true;
  if (m.logins.has(caller.login)) return true;
  if (caller.tagSet !== '' && m.tagSets.has(caller.tagSet)) return true;
  if (m.groups.size > 0) {
    for (const g of caller.groups) if (m.groups.has(g)) return true;
  }
  return false;
}
