import bytes from 'bytes';
import { Type } from 'typebox';
import { WARN_UNKNOWN } from './validate-section.js';

const warnUnknown = { [WARN_UNKNOWN]: true };

const DURATION_UNIT = '(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)';
/** Pattern of a Go duration string (`500ms`, `5s`, `1m30s`) or `0`. */
export const DURATION_PATTERN = `^(0|[+]?(${DURATION_UNIT})+)$`;

/** A Go duration string schema with a default. */
export function duration(defaultValue?: string) {
  return Type.String({ pattern: DURATION_PATTERN, ...(defaultValue === undefined ? {} : { default: defaultValue }) });
}

/** The number of bytes a validated {@link byteSize} value stands for (`"20mb"` → 20971520). */
export function byteSizeValue(value: number | string): number {
  return typeof value === 'number' ? value : (bytes.parse(value) ?? 0);
}

/** A byte size (`20mb`, `512kb`) or a number of bytes, with a default. */
export function byteSize(defaultValue: string) {
  return Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?\\s*$' })], { default: defaultValue });
}

/** Provider `compatibility` flags: which client API formats a provider accepts. */
export const CompatibilitySchema = Type.Record(Type.String(), Type.Boolean());

/**
 * One entry of a provider's `model_cost_map`: models matching `match` are priced as `as`, times
 * `adjustment` (read by the plugin that estimates costs, `quotas`).
 */
export const ModelCostMapEntrySchema = Type.Object(
  {
    /** Glob over the model id (`*` within a `/`-segment, `**` across segments), as in grants' `models`. */
    match: Type.String({ minLength: 1 }),
    /** Model whose prices are used (default: the model itself). */
    as: Type.Optional(Type.String({ minLength: 1 })),
    /** Multiplier applied to the price (`1.1` = 10% more, `0` = free). @default 1 */
    adjustment: Type.Number({ minimum: 0, default: 1 }),
  },
  warnUnknown,
);

/** One entry of the `providers` map, exactly as in Aperture. */
export const ProviderSchema = Type.Object(
  {
    /** Upstream base URL, with or without a trailing `/v1`. `mock://` selects the built-in mock LLM. */
    baseurl: Type.String({ pattern: '^(https?|mock)://' }),
    /** Model ids served by this provider. */
    models: Type.Array(Type.String({ minLength: 1 })),
    /** Key injected upstream; clients never see it. */
    apikey: Type.String({ default: '' }),
    /** How the key is sent upstream. */
    authorization: Type.Union([Type.Literal('bearer'), Type.Literal('x-api-key'), Type.Literal('x-goog-api-key')], { default: 'bearer' }),
    /** Display name. */
    name: Type.String({ default: '' }),
    /** Display description. */
    description: Type.String({ default: '' }),
    /** Client API formats this provider accepts. */
    compatibility: Type.Optional(CompatibilitySchema),
    /** Higher wins when several providers serve a model. */
    preference: Type.Integer({ default: 0 }),
    /** Excluded from routing and model lists. */
    disabled: Type.Boolean({ default: false }),
    /** `Header: value` lines added upstream. */
    add_headers: Type.Array(Type.String(), { default: [] }),
    /** `override` ignores client keys; `passthrough` forwards them (falling back to `apikey`). */
    auth_mode: Type.Union([Type.Literal('override'), Type.Literal('passthrough')], { default: 'override' }),
    /** tollgate: upstream connections kept per provider. */
    max_connections: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * tollgate: ask for a stream's token usage when the client did not (OpenAI chat's
     * `stream_options.include_usage`) and hide the extra usage chunk from the client; `false`
     * for servers that refuse `stream_options`. Absent: `true`.
     */
    stream_usage: Type.Optional(Type.Boolean()),
    /**
     * Pricing source of the provider's models (`anthropic`, `openai`, `google`, `bedrock`,
     * `bedrock-us`, `bedrock-eu`, `bedrock-ap`, `vertex`, `azure`, `azure-eu`, `openrouter`,
     * `vercel`); inferred when absent and `auto_cost_basis` is on. Read by the `quotas` plugin.
     */
    cost_basis: Type.Optional(Type.String({ minLength: 1 })),
    /** Model remapping and price adjustment for cost estimation; the first matching entry wins. */
    model_cost_map: Type.Optional(Type.Array(ModelCostMapEntrySchema)),
  },
  warnUnknown,
);

/** The `providers` section. */
export const ProvidersSchema = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), ProviderSchema);

/** Default of `listen.max_connections`: finite, so that the process keeps descriptors for its own work. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** tollgate `listen` section. */
export const ListenSchema = Type.Object(
  {
    /** Interface to bind. */
    host: Type.String({ default: '127.0.0.1' }),
    /** TCP port (0 picks a free one). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Time a client has to send its request headers. */
    headers_timeout: duration('30s'),
    /** Time a client has to send its whole request (headers and body). */
    request_timeout: duration('120s'),
    /** Idle keep-alive time of client connections. */
    keep_alive_timeout: duration('65s'),
    /** Most concurrent client connections (0 = unlimited); beyond, new connections are closed at once. */
    max_connections: Type.Integer({ minimum: 0, default: DEFAULT_MAX_CONNECTIONS }),
  },
  { ...warnUnknown, default: {} },
);

/** tollgate `limits` section. */
export const LimitsSchema = Type.Object(
  {
    /** Largest accepted request body. */
    max_body_size: byteSize('20mb'),
    /** Largest accepted non-streaming upstream response. */
    max_response_size: byteSize('64mb'),
    /** Largest single SSE event accepted from upstream. */
    max_event_size: byteSize('16mb'),
    /** Deepest JSON nesting accepted in a request body. */
    max_json_depth: Type.Integer({ minimum: 8, default: 128 }),
    /**
     * Most bytes of one streamed answer the gateway keeps for its tool calls: the events held
     * until `onToolCall` decides (and those queued behind them), and the calls' names and
     * arguments assembled so far. Beyond, the answer ends with an error.
     */
    max_held_size: byteSize('32mb'),
    /** Time to connect to a provider. */
    upstream_connect_timeout: duration('10s'),
    /** Time to wait for a provider's response headers. */
    upstream_headers_timeout: duration('10m'),
    /** Longest silence between two chunks of a provider's response body. */
    upstream_idle_timeout: duration('5m'),
    /** How long shutdown and reload wait for in-flight requests. */
    drain_timeout: duration('30s'),
  },
  { ...warnUnknown, default: {} },
);

/** An identity an API key maps to: a login, or the full description. */
export const ApiKeyIdentitySchema = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object(
    {
      login: Type.String({ minLength: 1 }),
      name: Type.Optional(Type.String()),
      groups: Type.Optional(Type.Array(Type.String())),
      tags: Type.Optional(Type.Array(Type.String({ pattern: '^tag:' }))),
    },
    { additionalProperties: false },
  ),
]);

/** tollgate `identity` section: the built-in resolvers. */
export const IdentitySchema = Type.Object(
  {
    /** Client API keys (keys may be `env:NAME`) mapped to identities. */
    api_keys: Type.Record(Type.String(), ApiKeyIdentitySchema, { default: {} }),
    /** Treat otherwise unidentified callers on this machine as `(loopback)`. */
    loopback: Type.Boolean({ default: true }),
  },
  { ...warnUnknown, default: {} },
);

/** tollgate `logging` section. */
export const LoggingSchema = Type.Object(
  {
    /** pino level. */
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
    /** One access line per request. */
    access_log: Type.Boolean({ default: true }),
    /** `json` or `pretty` (human-readable, for a terminal); default: pretty on a TTY, else json. Read at start-up only. */
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')])),
  },
  { ...warnUnknown, default: {} },
);

/** One entry of `plugins`: a name/path, or `[name, options]`. */
export const PluginEntrySchema = Type.Union([Type.String({ minLength: 1 }), Type.Tuple([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())])]);

/** Sections core owns and validates (everything else belongs to a plugin). */
export const CORE_SECTIONS = {
  providers: ProvidersSchema,
  listen: ListenSchema,
  limits: LimitsSchema,
  identity: IdentitySchema,
  logging: LoggingSchema,
  plugins: Type.Array(PluginEntrySchema),
  data_dir: Type.String({ minLength: 1 }),
} as const;

/** Aperture compatibility flags for APIs tollgate does not serve yet (Bedrock, Vertex). */
export const APERTURE_ONLY_FORMATS = ['bedrock_converse', 'bedrock_model_invoke', 'google_generate_content', 'google_raw_predict'] as const;

/** Aperture sections tollgate reads but does not implement yet; present = a warning. */
export const UNSUPPORTED_APERTURE_SECTIONS = ['exporters', 'mcp', 'connectors', 'temp_grants'] as const;

/** Validated provider config. */
export type ProviderConfig = Type.Static<typeof ProviderSchema>;
/** A validated `model_cost_map` entry. */
export type ModelCostMapEntryConfig = Type.Static<typeof ModelCostMapEntrySchema>;
/** Validated `listen` section. */
export type ListenConfig = Type.Static<typeof ListenSchema>;
/** Validated `limits` section. */
export type LimitsConfig = Type.Static<typeof LimitsSchema>;
/** Validated `identity` section. */
export type IdentityConfig = Type.Static<typeof IdentitySchema>;
/** Validated `logging` section. */
export type LoggingConfig = Type.Static<typeof LoggingSchema>;
/** One `plugins` entry. */
export type PluginEntry = Type.Static<typeof PluginEntrySchema>;
