import { Type } from 'typebox';

/** One rule: for the callers in `users`, the tools matching `deny` are refused and those matching `allow` are permitted. */
export const ToolRuleSchema = Type.Object(
  {
    /**
     * Callers the rule applies to: `*` (everyone), a login (`alice@example.com`), `group:NAME`
     * (the identity's groups, or the config's `groups` section), `tag:NAME` (a device tag), or
     * `(loopback)` (unidentified callers on the gateway's machine).
     */
    users: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Tool-name globs the rule permits (`*` any run of characters, `?` one character). */
    allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Tool-name globs the rule refuses; checked before `allow`. */
    deny: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

/** One rule of the `rules` option. */
export type ToolRule = Type.Static<typeof ToolRuleSchema>;

/** Options of the plugin: `["tool-allowlist", { "rules": [...] }]`. */
export const ToolAllowlistOptionsSchema = Type.Object(
  {
    /**
     * Rules in order; for a caller and a tool, the first rule that applies to the caller and
     * names the tool (in `deny` or `allow`) decides.
     * @default []
     */
    rules: Type.Array(ToolRuleSchema, { default: [] }),
    /**
     * What happens to a tool no applicable rule names.
     * @default "allow"
     */
    default: Type.Union([Type.Literal('allow'), Type.Literal('deny')], { default: 'allow' }),
    /**
     * What a refused tool call does: `block` ends the response with an error, `strip` removes the call.
     * @default "block"
     */
    action: Type.Union([Type.Literal('block'), Type.Literal('strip')], { default: 'block' }),
    /**
     * Also remove the refused tools from the request before the model sees them.
     * @default false
     */
    filter_tools: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** Validated options (defaults applied). */
export type ToolAllowlistOptions = Type.Static<typeof ToolAllowlistOptionsSchema>;
