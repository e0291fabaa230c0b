import { type RequestContext, type StateBag, type StateKey, createStateKey } from '@tollgate/core';

/** Hook events a grant can wire (Aperture `send_hooks[].events`). */
export type HookEvent = 'pre_request' | 'entire_request' | 'tool_call_entire_request';

/** Data a grant can send to a hook (Aperture `send_hooks[].send`). */
export type HookSendValue = 'user_message' | 'request_body' | 'response_body' | 'raw_responses' | 'tools' | 'estimated_cost' | 'grants' | 'quotas';

/** One hook wired to the caller, after merging every matching capability that names it. */
export interface HookWiring {
  /** Hook name (a key of the `hooks` section). */
  readonly name: string;
  /** Union of the events of every capability naming this hook. */
  readonly events: ReadonlySet<string>;
  /** Union of the send lists of every capability naming this hook. */
  readonly send: ReadonlySet<string>;
}

/** The caller's role; the highest granted wins (`admin` > `user`). */
export type GrantRole = 'admin' | 'user';

/**
 * What the caller may do for this request: the union of every grant whose `src` matches, with
 * model-scoped capability objects counted only when the requested model matches. Computed once
 * per request by the grants plugin (stage authorize) and shared through request state.
 * The object is frozen and may be shared by several requests of the same caller: never mutate
 * it (nor its maps and sets).
 */
export interface EffectiveCapabilities {
  /** Highest role granted (absent: no role, the request is refused). */
  readonly role?: GrantRole;
  /** True when some capability grants the requested `provider/model`. */
  readonly modelAllowed: boolean;
  /**
   * The `provider/model` these capabilities were computed for (`openai/gpt-5`). Always set by
   * the grants plugin; optional so that hand-built values (test fakes) need not carry it.
   */
  readonly model?: string;
  /** Hooks to fire for this request, merged per hook name (fires once each). */
  readonly hooks: ReadonlyMap<string, HookWiring>;
  /** Quota buckets (`{bucket}` objects) that apply. */
  readonly quotas: readonly Readonly<Record<string, unknown>>[];
  /** Headers added upstream (`add_headers`). */
  readonly addHeaders: ReadonlyArray<readonly [string, string]>;
  /** Custom capabilities (keys other than `tailscale.com/cap/aperture`): name → objects. Sent as `metadata.grants`. */
  readonly custom: Readonly<Record<string, readonly unknown[]>>;
  /** Indexes (in `grants`) of the grants whose `src` matched. */
  readonly matchedGrants: readonly number[];
}

/** Request-state key under which the grants plugin stores {@link EffectiveCapabilities}. */
export const EFFECTIVE_CAPABILITIES: StateKey<EffectiveCapabilities> = createStateKey<EffectiveCapabilities>('grants.effective-capabilities');

/** The effective capabilities of a request (or exchange), if the grants plugin computed them. */
export function effectiveCapabilities(source: { readonly state: StateBag } | RequestContext): EffectiveCapabilities | undefined {
  return source.state.get(EFFECTIVE_CAPABILITIES);
}
