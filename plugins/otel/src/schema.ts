import { Type } from 'typebox';

/** Options of the otel plugin (`["otel", { ... }]`). */
export const OtelOptionsSchema = Type.Object(
  {
    /**
     * Record message content as the GenAI conventions' opt-in attributes (`gen_ai.input.messages`,
     * `gen_ai.output.messages`, `gen_ai.tool.definitions`, `gen_ai.tool.call.arguments`). Prompts and
     * tool arguments then reach your tracing backend. @default false
     */
    capture_content: Type.Boolean({ default: false }),
    /** Send W3C `traceparent` (and `tracestate`) to the provider. @default true */
    propagate_upstream: Type.Boolean({ default: true }),
    /** Send W3C `traceparent` (and `tracestate`) with hook deliveries (the webhook plugin). @default true */
    propagate_hooks: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);

/** Validated options of the otel plugin. */
export type OtelOptions = Type.Static<typeof OtelOptionsSchema>;
