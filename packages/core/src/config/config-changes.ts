import { isDeepStrictEqual } from 'node:util';
import type { PreparedConfig } from './prepare-config.js';

/** Names added, removed and changed between two configurations. */
export interface NameChanges {
  /** Present only in the new configuration. */
  readonly added: readonly string[];
  /** Present only in the old one. */
  readonly removed: readonly string[];
  /** Present in both, with different settings. */
  readonly changed: readonly string[];
}

/** What a reload changed: names only, never values (settings hold resolved secrets). */
export interface ConfigChanges {
  /** Top-level sections whose content differs (added or removed ones included). */
  readonly sections: readonly string[];
  /** Providers by id. */
  readonly providers: NameChanges;
  /** Plugins by name (changed: other options). */
  readonly plugins: NameChanges;
}

function compare(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): NameChanges {
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...after.keys()].filter((k) => before.has(k) && !isDeepStrictEqual(before.get(k), after.get(k)));
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/** Compares two prepared configurations by section, provider and plugin. */
export function configChanges(before: Pick<PreparedConfig, 'config' | 'plugins'>, after: Pick<PreparedConfig, 'config' | 'plugins'>): ConfigChanges {
  const a = before.config as unknown as Record<string, unknown>;
  const b = after.config as unknown as Record<string, unknown>;
  const sections = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k])).sort();
  return {
    sections,
    providers: compare(new Map(Object.entries(before.config.providers)), new Map(Object.entries(after.config.providers))),
    plugins: compare(new Map(before.plugins.map((p) => [p.name, p.options])), new Map(after.plugins.map((p) => [p.name, p.options]))),
  };
}

/** One-line summary (`providers +anthropic ~openai; plugins -oso; sections grants, providers`), or `no changes`. */
export function summarizeChanges(changes: ConfigChanges): string {
  const names = (c: NameChanges): string => [...c.added.map((n) => `+${n}`), ...c.removed.map((n) => `-${n}`), ...c.changed.map((n) => `~${n}`)].join(' ');
  const parts: string[] = [];
  if (names(changes.providers) !== '') parts.push(`providers ${names(changes.providers)}`);
  if (names(changes.plugins) !== '') parts.push(`plugins ${names(changes.plugins)}`);
  if (changes.sections.length > 0) parts.push(`sections ${changes.sections.join(', ')}`);
  return parts.length === 0 ? 'no changes' : parts.join('; ');
}
