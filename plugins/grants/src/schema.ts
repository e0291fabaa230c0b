import { WARN_UNKNOWN } from '@tollgate/core';
import { Type } from 'typebox';

const warnUnknown = { [WARN_UNKNOWN]: true };

/** Key of Aperture's own capabilities inside a grant's `app` object. */
export const APERTURE_CAPABILITY = 'tailscale.com/cap/aperture';

/** One `send_hooks` entry: wires a hook (a key of the `hooks` section) to the matched callers. */
export const SendHookSchema = Type.Object(
  {
    /** Hook name (a key of the `hooks` section). */
    name: Type.String({ minLength: 1 }),
    /** Events that fire the hook (`pre_request`, `entire_request`, `tool_call_entire_request`). */
    events: Type.Array(Type.String(), { default: [] }),
    /** Data sent to the hook (`user_message`, `tools`, `request_body`, ...). */
    send: Type.Array(Type.String(), { default: [] }),
  },
  warnUnknown,
);

/** One quota reference of a capability (`{"bucket": "daily:<user>"}`). */
export const QuotaRefSchema = Type.Object(
  {
    /** Bucket name (a key of the `quotas` section; may use `<user>` / `<node>` templates). */
    bucket: Type.String({ minLength: 1 }),
  },
  warnUnknown,
);

/**
 * One capability object under `tailscale.com/cap/aperture`. Unknown fields are warnings, as in
 * Aperture; fields tollgate accepts but does not act on (MCP, chat UI, metrics) are listed so
 * that valid Aperture configs load without noise.
 */
export const CapabilitySchema = Type.Object(
  {
    /** `user` or `admin`; the highest granted wins. */
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
    /** One glob over `provider/model` (`*` one segment, `**` any number). */
    models: Type.Optional(Type.String({ minLength: 1 })),
    /** Hooks wired to the matched callers. */
    send_hooks: Type.Optional(Type.Array(SendHookSchema)),
    /** Quota buckets charged for the matched requests. */
    quotas: Type.Optional(Type.Array(QuotaRefSchema)),
    /** `"Header-Name: value"` lines added upstream. */
    add_headers: Type.Optional(Type.Array(Type.String())),
    /** Aperture: access to `/metrics` (accepted, not used by tollgate). */
    read_metrics: Type.Optional(Type.Boolean()),
    /** Aperture: access to the chat UI (accepted, not used by tollgate). */
    enable_chat_ui: Type.Optional(Type.Boolean()),
    /** Aperture MCP tools glob (accepted, not used by tollgate). */
    mcp_tools: Type.Optional(Type.String()),
    /** Aperture MCP resources glob (accepted, not used by tollgate). */
    mcp_resources: Type.Optional(Type.String()),
    /** Aperture MCP templates glob (accepted, not used by tollgate). */
    mcp_templates: Type.Optional(Type.String()),
    /** Aperture connectors (accepted, not used by tollgate). */
    connectors: Type.Optional(Type.Array(Type.String())),
  },
  warnUnknown,
);

/**
 * A grant's `app` object: Aperture's capabilities under `tailscale.com/cap/aperture`; any other
 * key is a custom capability (an array of objects passed to hooks as `metadata.grants`).
 */
export const GrantAppSchema = Type.Object(
  {
    /** Aperture's capability objects. */
    [APERTURE_CAPABILITY]: Type.Optional(Type.Array(CapabilitySchema)),
  },
  { additionalProperties: Type.Array(Type.Record(Type.String(), Type.Unknown())) },
);

/** One grant: who (`src`) gets what (`app`). */
export const GrantSchema = Type.Object(
  {
    /** Who: `*`, logins, `group:` names, group emails, tags or tag combinations, `(loopback)`. */
    src: Type.Array(Type.String()),
    /** What: capability objects keyed by capability name. */
    app: GrantAppSchema,
  },
  warnUnknown,
);

/** The `grants` section (default: none, so everyone is denied). */
export const GrantsSchema = Type.Array(GrantSchema, { default: [] });

/**
 * The `groups` section (tollgate): `group:NAME` → member logins. Names must start with `group:`
 * (checked with a clear message at load).
 */
export const GroupsSchema = Type.Record(Type.String(), Type.Array(Type.String({ minLength: 1 })), { default: {} });

/** A validated `send_hooks` entry. */
export type SendHookConfig = Type.Static<typeof SendHookSchema>;
/** A validated capability object. */
export type CapabilityConfig = Type.Static<typeof CapabilitySchema>;
/** A validated grant. */
export type GrantConfig = Type.Static<typeof GrantSchema>;
/** The validated `grants` section. */
export type GrantsConfig = Type.Static<typeof GrantsSchema>;
/** The validated `groups` section. */
export type GroupsConfig = Type.Static<typeof GroupsSchema>;
