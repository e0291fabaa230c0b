import { CAPABILITIES, type EffectiveCapabilities, type HookWiring, type Role, type StateKey, capabilitiesOf } from '@tollgate/core';

/** Plugin name: tap name, log binding, decision `plugin` field. */
export const PLUGIN_NAME = 'grants';

/** Hook events a grant can wire (Aperture `send_hooks[].events`). */
export type HookEvent = 'pre_request' | 'entire_request' | 'tool_call_entire_request';

/** Data a grant can send to a hook (Aperture `send_hooks[].send`). */
export type HookSendValue = 'user_message' | 'request_body' | 'response_body' | 'raw_responses' | 'tools' | 'estimated_cost' | 'grants' | 'quotas';

/** The caller's role; the highest granted wins (`admin` > `user`). Core's `Role`. */
export type GrantRole = Role;

/**
 * What the grants give a caller for one request (core's type, which the grants plugin publishes
 * under core's `CAPABILITIES` state key for the plugins that act on it).
 */
export type { EffectiveCapabilities, HookWiring };

/** Request-state key of the effective capabilities (core's `CAPABILITIES`). */
export const EFFECTIVE_CAPABILITIES: StateKey<EffectiveCapabilities> = CAPABILITIES;

/** The effective capabilities of a request (or exchange), if the grants plugin computed them (core's `capabilitiesOf`). */
export const effectiveCapabilities = capabilitiesOf;
