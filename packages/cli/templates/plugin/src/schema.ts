import { Type } from 'typebox';

/** Options of the __name__ plugin: `["__name__", { "deny": ["rm -rf"] }]`. */
export const __Name__OptionsSchema = Type.Object(
  {
    /**
     * Text that must not appear in any string argument of a tool call (compared case-insensitively).
     * @default []
     */
    deny: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /**
     * Tools the check applies to, by exact name; empty means every tool.
     * @default []
     */
    tools: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /**
     * What a denial does: `block` ends the response with an error, `strip` removes only that call.
     * @default "block"
     */
    action: Type.Union([Type.Literal('block'), Type.Literal('strip')], { default: 'block' }),
  },
  { additionalProperties: false },
);

/** Validated options of the __name__ plugin (defaults applied). */
export type __Name__Options = Type.Static<typeof __Name__OptionsSchema>;
