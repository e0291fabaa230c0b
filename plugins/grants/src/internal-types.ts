import type { SrcMatcher } from './src-matcher.js';
import type { GrantRole } from './types.js';

/** A `send_hooks` entry as compiled (never re-exported). */
export interface CompiledHookRef {
  /** Hook name. */
  readonly name: string;
  /** Events listed. */
  readonly events: readonly string[];
  /** Send values listed. */
  readonly send: readonly string[];
}

/** One capability object under `tailscale.com/cap/aperture`, compiled. */
export interface CompiledCapability {
  /** Role granted, if any (counts whatever `models` says: a role belongs to the caller). */
  readonly role?: GrantRole;
  /** The `models` glob as given; absent for a floating object. */
  readonly modelsPattern?: string;
  /** The compiled `models` glob; absent for a floating object. */
  readonly models?: RegExp;
  /** Hooks wired by this object. */
  readonly hooks: readonly CompiledHookRef[];
  /** Quota references. */
  readonly quotas: readonly Readonly<Record<string, unknown>>[];
  /** Valid `add_headers` lines, parsed (lower-case names). */
  readonly addHeaders: ReadonlyArray<readonly [string, string]>;
  /** True when the object contributes something model-scoped (hooks, quotas or headers). */
  readonly contributes: boolean;
  /** Boolean capabilities set to true (`read_metrics`, `enable_chat_ui`): control-plane access. */
  readonly flags: readonly string[];
}

/** One grant, compiled. */
export interface CompiledGrant {
  /** Position in the `grants` section. */
  readonly index: number;
  /** The compiled `src` list. */
  readonly src: SrcMatcher;
  /** Aperture capability objects. */
  readonly capabilities: readonly CompiledCapability[];
  /** Custom capabilities (other `app` keys) in config order. */
  readonly custom: ReadonlyArray<readonly [string, readonly unknown[]]>;
}

/** Everything a caller's matching grants give, before the requested model is known. */
export interface CallerGrants {
  /** Indexes of the grants whose `src` matched. */
  readonly matchedGrants: readonly number[];
  /** Highest role granted. */
  readonly role?: GrantRole;
  /** `models` globs granted. */
  readonly modelPatterns: readonly RegExp[];
  /** Floating objects that contribute hooks, quotas or headers. */
  readonly floating: readonly CompiledCapability[];
  /** Model-scoped objects that contribute hooks, quotas or headers. */
  readonly scoped: readonly CompiledCapability[];
  /** Custom capabilities merged over the matching grants. */
  readonly custom: Readonly<Record<string, readonly unknown[]>>;
  /** Boolean capabilities granted by any matching grant (`read_metrics`), whatever the model. */
  readonly flags: ReadonlySet<string>;
}
