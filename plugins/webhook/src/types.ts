import type { EstimatedCost, Exchange, HookWiring, Identity, QuotaBalance, RequestContext, StateBag } from '@tollgate/core';
import type { AsyncSeriesWaterfallHook, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { Dispatcher } from 'undici';
import type { HookAuthorization, HookEndpointConfig } from './schema.js';

/** Tap name, log binding and config key of the webhook plugin. */
export const PLUGIN_NAME = 'webhook';

/** The three hook events of Aperture (`send_hooks[].events`). */
export type HookEventName = 'pre_request' | 'entire_request' | 'tool_call_entire_request';

/** Events delivered after the response, through the queue and the spool. */
export type PostResponseEvent = Exclude<HookEventName, 'pre_request'>;

/** Post-response events, in the order they are enqueued for one exchange. */
export const POST_RESPONSE_EVENTS: readonly PostResponseEvent[] = ['entire_request', 'tool_call_entire_request'];

/** `HookCallData.metadata`: the nine fields always sent, plus the optional ones a `send` list asks for. */
export interface HookMetadata {
  /** The caller (login name, or the sorted comma-joined tags of a tagged device). */
  readonly login_name: string;
  /** The client's `User-Agent`. */
  readonly user_agent: string;
  /** The request path as the client sent it (`/v1/chat/completions`). */
  readonly url: string;
  /** Model id sent upstream. */
  readonly model: string;
  /** Provider id. */
  readonly provider: string;
  /** Tailnet name, `""` when unknown. */
  readonly tailnet_name: string;
  /** Stable node id of the calling device, `""` when unknown. */
  readonly stable_node_id: string;
  /** Request id (also the `x-request-id` the client got). */
  readonly request_id: string;
  /** Session id. */
  readonly session_id: string;
  /** Present when `send` lists `estimated_cost` and a plugin estimated it (core's `ESTIMATED_COST` state key; `dollars: null` for an unpriced model). */
  readonly estimated_cost?: EstimatedCost;
  /** Present when `send` lists `grants`: the caller's custom capabilities, by capability name. */
  readonly grants?: Readonly<Record<string, readonly unknown[]>>;
  /** Present when `send` lists `quotas` and a plugin knows the balances (core's `QUOTA_BALANCES` state key). */
  readonly quotas?: Readonly<Record<string, QuotaBalance>>;
}

/** A tool call as hooks receive it. */
export interface HookToolCall {
  /** Tool name. */
  readonly name: string;
  /** Parsed arguments. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * tollgate: what policy did with the call before it reached the client, when an `onToolCall` tap
   * decided it (absent otherwise, so that the payload is Aperture's exactly). An extra field:
   * Aperture's payload allows them.
   */
  readonly decision?: 'allow' | 'block' | 'strip';
  /** tollgate: the plugin that refused the call (`block` / `strip` only). */
  readonly decided_by?: string;
  /** tollgate: why it was refused (`block` / `strip` only). */
  readonly reason?: string;
}

/** The payload POSTed to a hook (Aperture's `HookCallData`). Optional fields appear only when the `send` list asks and the event allows. */
export interface HookCallData {
  /** Always present. */
  readonly metadata: HookMetadata;
  /** `send: user_message`: text of the last user message. */
  readonly user_message?: string;
  /** `send: request_body`: the provider-native request body (as forwarded; for `pre_request`, as the chain has it so far). */
  readonly request_body?: unknown;
  /**
   * `send: response_body` (post-response events): the complete response, streams reassembled; what
   * the client received when policy changed it (a stripped call removed, or the error a blocked call
   * or refusal became).
   */
  readonly response_body?: unknown;
  /** `send: raw_responses` (post-response events): parsed SSE `data` objects, or `[response]`. */
  readonly raw_responses?: readonly unknown[];
  /** `send: tools` (post-response events): the tool calls the model made, each with what policy did with it. */
  readonly tool_calls?: readonly HookToolCall[];
}

/** A `pre_request` hook's reply (Aperture's `GuardrailResponse`). */
export interface GuardrailResponse {
  /** What to do with the request. */
  readonly action: 'allow' | 'block' | 'modify';
  /** `block`: HTTP status for the client (default 403). */
  readonly status_code?: number;
  /** `block`: message for the client (default `request blocked by guardrail`). */
  readonly message?: string;
  /** `modify`: the new request body (replaces the whole body). */
  readonly request_body?: Record<string, unknown>;
}

/** A hook endpoint as extension hooks see it (never the credential or the signing secret). */
export interface HookEndpointInfo {
  /** Hook name (key of the `hooks` section). */
  readonly name: string;
  /** Endpoint URL as configured. */
  readonly url: string;
  /** How the credential is sent. */
  readonly authorization: HookAuthorization;
  /** True when the hook has a credential. */
  readonly hasApikey: boolean;
  /** Per-call timeout in milliseconds (0: none). */
  readonly timeoutMs: number;
  /** `pre_request` failure policy. */
  readonly failPolicy: 'fail_open' | 'fail_closed';
  /** `pre_request` chain order. */
  readonly preference: number;
  /** True when deliveries are signed. */
  readonly signed: boolean;
}

/**
 * Returned by a {@link WebhookHooks.shapePayload} tap: do not send this event to this hook (not a
 * failure; a skipped `pre_request` call counts as `allow`).
 */
export const SKIP_DELIVERY: unique symbol = Symbol.for('tollgate.webhook.skip-delivery');

/** What {@link WebhookHooks.shapePayload} taps receive besides the body. */
export interface ShapeContext {
  /** The hook the body goes to. */
  readonly hook: HookEndpointInfo;
  /** The event. */
  readonly event: HookEventName;
  /** Delivery id (the `webhook-id` header). */
  readonly deliveryId: string;
  /** The standard payload, typed (the waterfall value starts as this object). */
  readonly data: HookCallData;
  /** Post-response events: the exchange. */
  readonly exchange?: Exchange;
  /** `pre_request`: the request as the chain has it. */
  readonly request?: RequestContext;
}

/** What {@link WebhookHooks.headers} taps receive besides the headers so far. */
export interface HeadersContext {
  /** The hook the delivery goes to. */
  readonly hook: HookEndpointInfo;
  /** The event. */
  readonly event: HookEventName;
  /** Delivery id (the `webhook-id` header). */
  readonly deliveryId: string;
  /** Post-response events: the exchange. */
  readonly exchange?: Exchange;
  /** `pre_request`: the request. */
  readonly request?: RequestContext;
}

/** What {@link WebhookHooks.transport} taps receive: a hook endpoint whose deliveries need a transport. */
export interface TransportTarget {
  /** The hook. */
  readonly hook: HookEndpointInfo;
  /** Its URL, parsed (`undefined` when it does not parse). */
  readonly url: URL | undefined;
}

/** One delivery handed to a transport. */
export interface TransportDelivery {
  /** Delivery id: stable per (request, hook, event) and across retries and restarts. */
  readonly id: string;
  /** The hook. */
  readonly hook: HookEndpointInfo;
  /** The event. */
  readonly event: HookEventName;
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** Serialized JSON body (already shaped). */
  readonly body: Buffer;
  /**
   * Headers to send: `content-type`, `user-agent`, the auth header, `webhook-id`,
   * `webhook-timestamp`, `webhook-signature` (when signed) and `x-tollgate-*`.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted on timeout (`timeout` of the hook), client hang-up (`pre_request`) or shutdown. */
  readonly signal: AbortSignal;
  /** Largest reply body worth reading (bytes), for `pre_request` replies. */
  readonly maxReplyBytes: number;
}

/** What a transport reports for one delivery. Throwing means a network failure (retried for post-response events). */
export interface TransportResult {
  /** HTTP status, or the transport's equivalent (2xx = delivered). */
  readonly status: number;
  /** A `Retry-After` the receiver asked for, in milliseconds. */
  readonly retryAfterMs?: number;
  /** The parsed reply (read for `pre_request` only; `undefined` when absent or not JSON). */
  readonly reply?: unknown;
  /** True when the reply body was present but could not be parsed. */
  readonly replyInvalid?: boolean;
}

/** Sends deliveries somewhere: HTTP by default; plugins add others through {@link WebhookHooks.transport}. */
export interface WebhookTransport {
  /** Delivers one payload. */
  send(delivery: TransportDelivery): Promise<TransportResult>;
  /** Releases resources when the plugin instance closes. */
  close?(): Promise<void>;
}

/**
 * Hooks the webhook plugin offers other plugins, webpack-style: get them with
 * {@link getWebhookHooks} in your `apply`, whatever the plugin order.
 */
export interface WebhookHooks {
  /**
   * Awaited once per delivery, before the body is serialized (post-response events: off the
   * client path, before spooling). A waterfall: each tap gets the body so far and returns the body
   * to send (any JSON value), or {@link SKIP_DELIVERY}. Check `context.hook.name` to shape for one
   * receiver only.
   */
  readonly shapePayload: AsyncSeriesWaterfallHook<[unknown, ShapeContext]>;
  /**
   * Called once per hook endpoint when the plugin starts: the first tap that returns a
   * {@link WebhookTransport} carries that hook's deliveries. Nobody: HTTP(S) for `http(s)://`
   * URLs; any other URL gets Aperture's "invalid URL scheme" warning and its deliveries fail.
   */
  readonly transport: SyncBailHook<[TransportTarget], WebhookTransport | undefined>;
  /**
   * Called once when the webhook plugin starts (in `ready`): taps add hook endpoints on behalf of
   * their plugin (`registry.add('oso', { oso: { url, apikey } })`), validated like `hooks` entries;
   * a name the `hooks` section or another plugin holds fails start-up. See `contributeToWebhook`.
   */
  readonly endpoints: SyncHook<[EndpointRegistry]>;
  /**
   * Called per request (`pre_request`) and per exchange (post-response events): each tap returns the
   * wirings so far plus its own, which are merged with the grants' `send_hooks` by hook name (events
   * and send lists united, so a hook named twice fires once).
   */
  readonly wire: SyncWaterfallHook<[readonly HookWiring[], WiringSubject]>;
  /**
   * Called once per delivery when it is made (post-response events: when the event is queued, off
   * the client path; `pre_request`: per call): each tap returns the extra headers so far plus its
   * own, such as W3C `traceparent` (the otel plugin). They go with every attempt of the delivery,
   * but do not survive a restart (a delivery taken over from the spool has none) and never replace
   * the standard ones (`content-type`, auth, `webhook-*`, `x-tollgate-*`).
   */
  readonly headers: SyncWaterfallHook<[Readonly<Record<string, string>>, HeadersContext]>;
}

/** A hook endpoint as a plugin adds it: a `hooks` entry (`url` required, defaults as in the `hooks` section). */
export type HookEndpointInput = Partial<HookEndpointConfig> & { readonly url: string };

/** What {@link WebhookHooks.endpoints} taps add endpoints to. */
export interface EndpointRegistry {
  /** Adds `endpoints` (by hook name) on behalf of `plugin`. */
  add(plugin: string, endpoints: Readonly<Record<string, HookEndpointInput>>): void;
}

/** What a {@link WebhookHooks.wire} tap sees: the request (`pre_request`) or the exchange (post-response events). */
export interface WiringSubject {
  /** The caller (absent when the request failed before identification). */
  readonly identity?: Identity;
  /** Model id sent upstream. */
  readonly model: string;
  /** The provider (absent when routing failed). */
  readonly provider?: { readonly id: string };
  /** Request state (the published capabilities, other plugins' values). */
  readonly state: StateBag;
}

/** The last error of a hook. */
export interface HookLastError {
  /** What went wrong. */
  readonly message: string;
  /** HTTP status, when the receiver answered. */
  readonly status?: number;
  /** When (epoch ms). */
  readonly at: number;
}

/** Counters of `pre_request` outcomes. */
export interface PreRequestCounters {
  /** Replies `allow`. */
  readonly allowed: number;
  /** Replies `block`. */
  readonly blocked: number;
  /** Replies `modify` that replaced the body. */
  readonly modified: number;
  /** Failures skipped by `fail_open`. */
  readonly failedOpen: number;
  /** Failures that refused the request (`fail_closed`). */
  readonly failedClosed: number;
}

/** Per-hook delivery counters (this process, since it started; they survive config reloads). */
export interface HookStats {
  /** Deliveries the receiver accepted (2xx), all events. */
  readonly sent: number;
  /** Deliveries given up: non-retryable answer, too old, no usable URL, or a failed `pre_request` call. */
  readonly failed: number;
  /** Attempts that were retries. */
  readonly retried: number;
  /** Events dropped because the queue or spool was full. */
  readonly dropped: number;
  /** Post-response deliveries waiting or in flight. */
  readonly queueDepth: number;
  /** Deliveries in flight now. */
  readonly inFlight: number;
  /** Bytes this process holds in the hook's spool segments. */
  readonly spoolBytes: number;
  /** The last failure, if any. */
  readonly lastError?: HookLastError;
  /** When the last delivery succeeded (epoch ms). */
  readonly lastSuccessAt?: number;
  /** `pre_request` outcomes. */
  readonly preRequest: PreRequestCounters;
}

/** Time, randomness and timers of the delivery queues (tests inject their own). */
export interface WebhookClock {
  /** Epoch milliseconds. */
  now(): number;
  /** A number in [0, 1) (retry jitter). */
  random(): number;
  /** Runs `fn` after `ms`; the timer must not keep the process alive. */
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

/** Injectable dependencies of the webhook plugin. */
export interface WebhookPluginDeps {
  /** undici dispatcher of the HTTP transport (default: one shared keep-alive agent per process). */
  readonly dispatcher?: Dispatcher;
  /** Clock of the delivery queues (default: the system clock). */
  readonly clock?: WebhookClock;
}
