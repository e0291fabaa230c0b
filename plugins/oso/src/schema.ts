import { duration } from '@tollgate/core';
import { Type } from 'typebox';

/** Oso for Agents' telemetry endpoint (the seed's hook URL). */
export const OSO_MODEL_REQUEST_URL = 'https://api.osohq.com/api/agents/v1/model-request';

/** Oso Cloud's API base URL (the Check API lives under `/api/`). */
export const OSO_CLOUD_URL = 'https://api.osohq.com';

/** Oso's recommended hook events (the seed's `events`). */
export const OSO_RECOMMENDED_EVENTS: readonly string[] = Object.freeze(['tool_call_entire_request']);

/** Oso's recommended send list (the seed's `send`). */
export const OSO_RECOMMENDED_SEND: readonly string[] = Object.freeze(['user_message', 'tools', 'request_body', 'response_body']);

/** Oso's context-fact limit on the free plan (paid plans: 100). */
export const OSO_FREE_PLAN_CONTEXT_FACTS = 20;

/** Oso's concurrent-request limit on the free plan. */
export const OSO_FREE_PLAN_CONCURRENCY = 4;

/** How the actor of a check is derived from the caller's identity. */
export const ActorMappingSchema = Type.Object(
  {
    /** Oso type of people (callers identified by a login). */
    type: Type.String({ minLength: 1, default: 'User' }),
    /** Identity field used as the actor id: the login (grants' principal) or the device's stable node id. */
    id: Type.Union([Type.Literal('login'), Type.Literal('stable_node_id')], { default: 'login' }),
    /** Oso type of tagged devices (login `tag:a,tag:b`); default: `type`. */
    tagged_type: Type.Optional(Type.String({ minLength: 1 })),
    /** Identity field used as the id of tagged devices; default: `id`. */
    tagged_id: Type.Optional(Type.Union([Type.Literal('login'), Type.Literal('stable_node_id')])),
  },
  { additionalProperties: false, default: {} },
);

/**
 * One fact argument template: a string (`"{model}"`, `"{param.path}"`, `"{actor}"`, `"{resource}"`
 * or literal text), an integer, a boolean, or an entity `{type, id}` whose id may hold placeholders.
 */
export const FactArgSchema = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Integer(),
  Type.Boolean(),
  Type.Object({ type: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
]);

/** One context-fact template (`{"predicate": "uses_model", "args": ["{resource}", "{model}"]}`). */
export const ContextFactSchema = Type.Object(
  {
    /** Fact predicate, as in your Polar policy. */
    predicate: Type.String({ minLength: 1, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    /** 1 to 5 arguments (the SDK's limit). */
    args: Type.Array(FactArgSchema, { minItems: 1, maxItems: 5 }),
  },
  { additionalProperties: false },
);

/** Enforcement: ask Oso Cloud before a tool call reaches the client. */
export const EnforceSchema = Type.Object(
  {
    /** Oso Cloud base URL (the SDK adds `/api/...`). */
    url: Type.String({ pattern: '^https?://', default: OSO_CLOUD_URL }),
    /** Oso Cloud API key (`env:NAME`); default: the plugin's `apiKey`. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Callers the checks apply to (grant `src` values); others' tool calls pass unchecked. */
    users: Type.Array(Type.String({ minLength: 1 }), { default: ['*'] }),
    /** Actor mapping. */
    actor: ActorMappingSchema,
    /** Action checked. */
    action: Type.String({ minLength: 1, default: 'call' }),
    /** Resource type of tools (the resource id is the tool name). */
    resource_type: Type.String({ minLength: 1, default: 'Tool' }),
    /** Context facts sent with every check. */
    context_facts: Type.Array(ContextFactSchema, { default: [] }),
    /** Most context facts sent in one check (Oso: 20 on the free plan, 100 on paid plans). */
    max_context_facts: Type.Integer({ minimum: 0, maximum: 1000, default: OSO_FREE_PLAN_CONTEXT_FACTS }),
    /** What a denied call does: `block` ends the response with an error, `strip` removes the call. */
    on_deny: Type.Union([Type.Literal('block'), Type.Literal('strip')], { default: 'block' }),
    /** Remove the tools a request declares that the caller may not call, before the model sees them. */
    filter_tools: Type.Boolean({ default: false }),
    /** How tools are filtered: one `authorize` per declared tool, or one `list` per request. */
    filter_method: Type.Union([Type.Literal('authorize'), Type.Literal('list')], { default: 'authorize' }),
    /** How long a decision is reused per (actor, tool, context facts); `0` disables the cache. */
    cache_ttl: duration('30s'),
    /** Most decisions kept (least recently used evicted first). */
    cache_size: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
    /** Longest a check may take, retries and queueing included (Go duration, > 0). */
    timeout: duration('2s'),
    /** Retries of a failed call (network error, 429, 5xx) while the timeout allows. */
    retries: Type.Integer({ minimum: 0, maximum: 5, default: 2 }),
    /** Calls to Oso in flight at once (Oso's free plan allows 4). */
    max_concurrency: Type.Integer({ minimum: 1, maximum: 256, default: OSO_FREE_PLAN_CONCURRENCY }),
    /** When Oso cannot answer: `fail_closed` denies the call, `fail_open` lets it through. */
    fail_policy: Type.Union([Type.Literal('fail_open'), Type.Literal('fail_closed')], { default: 'fail_closed' }),
  },
  { additionalProperties: false },
);

/**
 * Options of the Oso plugin (`["oso", {...}]`). Without options the plugin does nothing (it is a
 * default plugin). `apiKey` turns on the telemetry short form; `enforce` turns on enforcement.
 */
export const OsoOptionsSchema = Type.Object(
  {
    /** Oso API key (`"env:OSO_API_KEY"`): turns on telemetry (unless `telemetry` is false) and is the default enforcement key. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Send Oso for Agents telemetry when `apiKey` is set. */
    telemetry: Type.Boolean({ default: true }),
    /** Callers whose requests are sent (grant `src` values). */
    users: Type.Array(Type.String({ minLength: 1 }), { default: ['*'] }),
    /** Oso's telemetry endpoint. */
    url: Type.String({ pattern: '^https?://', default: OSO_MODEL_REQUEST_URL }),
    /** Hook events (Oso recommends `tool_call_entire_request`). */
    events: Type.Array(Type.Union([Type.Literal('entire_request'), Type.Literal('tool_call_entire_request')]), { minItems: 1, default: [...OSO_RECOMMENDED_EVENTS] }),
    /** Data sent (Oso recommends `user_message`, `tools`, `request_body`, `response_body`). */
    send: Type.Array(
      Type.Union([
        Type.Literal('user_message'),
        Type.Literal('request_body'),
        Type.Literal('response_body'),
        Type.Literal('raw_responses'),
        Type.Literal('tools'),
        Type.Literal('estimated_cost'),
        Type.Literal('grants'),
        Type.Literal('quotas'),
      ]),
      { default: [...OSO_RECOMMENDED_SEND] },
    ),
    /** Per-delivery timeout (Go duration; Aperture's default). */
    timeout: duration('5s'),
    /** Name of the hook endpoint the short form adds (its counters and spool go by this name). */
    hook_name: Type.String({ minLength: 1, default: 'oso' }),
    /** Add the exchange's authorization decisions to the payloads sent to Oso (`authorization_decisions`), when enforcement is on. */
    send_decisions: Type.Boolean({ default: true }),
    /** Enforcement with Oso Cloud's Check API. */
    enforce: Type.Optional(EnforceSchema),
  },
  { additionalProperties: false, default: {} },
);

/** Validated actor mapping. */
export type ActorMapping = Type.Static<typeof ActorMappingSchema>;
/** Validated fact argument template. */
export type FactArgTemplate = Type.Static<typeof FactArgSchema>;
/** Validated context-fact template. */
export type ContextFactTemplate = Type.Static<typeof ContextFactSchema>;
/** Validated `enforce` options. */
export type EnforceOptions = Type.Static<typeof EnforceSchema>;
/** Validated plugin options. */
export type OsoOptions = Type.Static<typeof OsoOptionsSchema>;
