import type { Identity } from '@tollgate/core';
import type { ToolAllowlistOptions, ToolRule } from './schema.js';

/** The verdict for one caller and one tool. */
export interface ToolVerdict {
  /** True when the tool may be called. */
  readonly allowed: boolean;
  /** Index of the deciding rule in `rules`; absent when `default` decided. */
  readonly rule?: number;
  /** Why, in a few words (`rule 0 denies "delete_*"`, `no rule names it; default deny`). */
  readonly reason: string;
}

/** Compiles a tool-name glob: `*` any run of characters, `?` one; everything else literal, case-sensitive. */
export function compileToolGlob(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** True when a rule's `users` entry names the caller. `groups` is the config's `groups` section. */
export function userMatches(entry: string, identity: Identity, groups: Readonly<Record<string, readonly string[]>> = {}): boolean {
  if (entry === '*') return true;
  if (entry === '(loopback)') return identity.loopback;
  if (entry.startsWith('group:')) return identity.groups.includes(entry) || (groups[entry]?.includes(identity.login) ?? false);
  if (entry.startsWith('tag:')) return identity.tags.includes(entry);
  return identity.login === entry;
}

interface CompiledRule {
  readonly users: readonly string[];
  readonly allow: ReadonlyArray<readonly [string, RegExp]>;
  readonly deny: ReadonlyArray<readonly [string, RegExp]>;
}

const compileList = (globs: readonly string[] | undefined): ReadonlyArray<readonly [string, RegExp]> => (globs ?? []).map((g) => [g, compileToolGlob(g)] as const);

/**
 * Who may call which tool: rules are compiled once per configuration; the first rule that
 * applies to the caller and names the tool decides (`deny` before `allow` within a rule), else
 * `default`.
 */
export class ToolPolicy {
  readonly #rules: readonly CompiledRule[];
  readonly #default: ToolAllowlistOptions['default'];
  readonly #groups: Readonly<Record<string, readonly string[]>>;

  constructor(options: Pick<ToolAllowlistOptions, 'rules' | 'default'>, groups: Readonly<Record<string, readonly string[]>> = {}) {
    this.#rules = options.rules.map((r: ToolRule) => ({ users: r.users, allow: compileList(r.allow), deny: compileList(r.deny) }));
    this.#default = options.default;
    this.#groups = groups;
  }

  /** The verdict for `identity` calling `tool`. */
  decide(identity: Identity, tool: string): ToolVerdict {
    for (const [i, rule] of this.#rules.entries()) {
      if (!rule.users.some((u) => userMatches(u, identity, this.#groups))) continue;
      const denied = rule.deny.find(([, re]) => re.test(tool));
      if (denied !== undefined) return { allowed: false, rule: i, reason: `rule ${i} denies "${denied[0]}"` };
      const allowed = rule.allow.find(([, re]) => re.test(tool));
      if (allowed !== undefined) return { allowed: true, rule: i, reason: `rule ${i} allows "${allowed[0]}"` };
    }
    return { allowed: this.#default === 'allow', reason: `no rule names it; default ${this.#default}` };
  }
}
