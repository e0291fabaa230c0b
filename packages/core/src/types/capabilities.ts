import type { Identity } from './identity.js';
import { type StateBag, type StateKey, createStateKey } from './state-key.js';

/** A caller's role, as Aperture grants it; the highest granted wins (`admin` > `user`). */
export type Role = 'admin' | 'user';

/** One hook wired to the caller, merged over every matching grant that names it. */
export interface HookWiring {
  /** Hook name (a key of the `hooks` section, or one a plugin registered). */
  readonly name: string;
  /** Events it fires on (`pre_request`, `entire_request`, `tool_call_entire_request`). */
  readonly events: ReadonlySet<string>;
  /** What its payloads carry (`user_message`, `tools`, `request_body`, ...). */
  readonly send: ReadonlySet<string>;
}

/**
 * What the caller may do for one LLM request: published under {@link CAPABILITIES} by the plugin
 * that authorizes requests (the grants plugin, stage authorize), read by the plugins that act on it
 * (the webhook plugin fires `hooks`, the quotas plugin charges `quotas`). Frozen and possibly shared
 * between requests: never mutate it.
 */
export interface EffectiveCapabilities {
  /** Highest role granted (absent: no role, the request is refused). */
  readonly role?: Role;
  /** True when some capability grants the requested `provider/model`. */
  readonly modelAllowed: boolean;
  /** The `provider/model` these capabilities were computed for (`openai/gpt-5`). */
  readonly model?: string;
  /** Hooks to fire for this request, merged per hook name (each fires once). */
  readonly hooks: ReadonlyMap<string, HookWiring>;
  /** Quota bucket references (`{"bucket": "daily:<user>"}` objects) that apply. */
  readonly quotas: readonly Readonly<Record<string, unknown>>[];
  /** Headers added upstream (`add_headers`). */
  readonly addHeaders: ReadonlyArray<readonly [string, string]>;
  /** Custom capabilities (keys other than `tailscale.com/cap/aperture`): name → objects. */
  readonly custom: Readonly<Record<string, readonly unknown[]>>;
  /** Indexes (in `grants`) of the grants whose `src` matched. */
  readonly matchedGrants: readonly number[];
}

/** Request-state key of the request's {@link EffectiveCapabilities}. */
export const CAPABILITIES: StateKey<EffectiveCapabilities> = createStateKey<EffectiveCapabilities>('tollgate.capabilities');

/** The effective capabilities of a request (or exchange), when a plugin published them. */
export function capabilitiesOf(source: { readonly state: StateBag }): EffectiveCapabilities | undefined {
  return source.state.get(CAPABILITIES);
}

/**
 * What a caller may do on the control plane (admin API, dashboard, read API, metrics), as the
 * `access` hook's taps describe it. Without any tap, nobody has a role.
 */
export interface CallerAccess {
  /** Highest role (absent: none). */
  readonly role?: Role;
  /** Extra grant capabilities such as `read_metrics`. */
  readonly capabilities: ReadonlySet<string>;
}

/** Input of the `access` hook. */
export interface AccessContext {
  /** The identified caller. */
  readonly identity: Identity;
}

/** The access of a caller nobody described: no role, no capabilities. */
export const NO_ACCESS: CallerAccess = Object.freeze({ capabilities: new Set<string>() });
