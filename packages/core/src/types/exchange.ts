import type { FormatAdapter } from '../formats/format-adapter.js';
import type { ApiError } from './api-error.js';
import type { Decision } from './decision.js';
import type { Identity } from './identity.js';
import type { ProviderRef } from './provider-info.js';
import type { JsonObject } from './json.js';
import type { StateBag } from './state-key.js';
import type { DeclaredTool, ToolCall, ToolCallDecision, Usage } from './tool-call.js';

/** Milestones of an exchange, as `performance.now()` milliseconds relative to `start`. */
export interface ExchangeTimings {
  /** Wall-clock start (epoch ms). */
  readonly startedAt: number;
  /** Upstream response headers received (ms since start), when reached. */
  readonly upstreamHeadersMs?: number;
  /** First byte written to the client (ms since start), when reached. */
  readonly firstByteMs?: number;
  /** Total duration (ms). */
  readonly durationMs: number;
}

/**
 * Parts of the upstream response an `onResponse` observer reads, declared per request with
 * `RequestContext.keepResponse`.
 */
export interface ResponseParts {
  /** `Exchange.responseBody` complete (a stream's text included). */
  readonly body?: boolean;
  /** `Exchange.rawResponses` (every SSE `data` object of a stream). */
  readonly rawResponses?: boolean;
}

/**
 * One completed request/response, given to `onResponse` observers. Built once, frozen and
 * shared: observers must not mutate it.
 */
export interface Exchange {
  /** Request id. */
  readonly requestId: string;
  /** Session id (see {@link RequestContext.sessionId}). */
  readonly sessionId: string;
  /** Who called; absent when the request failed before identification. */
  readonly identity?: Identity;
  /** The client's API format name (`openai_chat`…). */
  readonly format: string;
  /** The client's format adapter. */
  readonly adapter: FormatAdapter;
  /** The provider; absent when routing failed. */
  readonly provider?: ProviderRef;
  /** Model id sent upstream (or as requested when routing failed). */
  readonly model: string;
  /** The model as the client named it (maybe `provider/model`); `""` when the body was unreadable. */
  readonly requestedModel: string;
  /** HTTP method and client path. */
  readonly method: string;
  /** Request path as the client sent it. */
  readonly path: string;
  /** Client user agent. */
  readonly userAgent: string;
  /**
   * The client's request headers, lower-case names, credentials (`authorization`, `x-api-key`,
   * `x-goog-api-key`, `api-key`, `proxy-authorization`, `cookie`) replaced by `***`.
   */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** The headers the client got with the answer (`{}` when none was sent). */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** True when the client asked for a stream. */
  readonly streamed: boolean;
  /** Request body as forwarded upstream (after plugin changes); absent when unparseable. */
  readonly requestBody?: JsonObject;
  /** Text of the last user message. */
  readonly userMessage: string;
  /** Tools the forwarded request declared. */
  readonly declaredTools: readonly DeclaredTool[];
  /**
   * The upstream response in the non-streaming shape (a stream reassembled). For a stream whose
   * body no observer asked for (see {@link ResponseParts}) its text may be incomplete; tool calls
   * and usage are always exact.
   */
  readonly responseBody?: unknown;
  /**
   * What the client received, when policy made it differ from `responseBody`: the answer with
   * stripped tool calls removed (a stream as its reassembled non-streaming shape), or the error
   * the gateway answered instead (a blocked call, a refused request). Absent when the client got
   * the provider's answer as it was.
   */
  readonly clientResponseBody?: unknown;
  /**
   * Parsed SSE `data` objects of a stream, or `[responseBody]` for a plain response. Empty for a
   * stream whose raw events no observer asked for (see {@link ResponseParts}).
   */
  readonly rawResponses: readonly unknown[];
  /** Tool calls the model made (before any strip). */
  readonly toolCalls: readonly ToolCall[];
  /** What `onToolCall` decided for each call. */
  readonly toolDecisions: readonly ToolCallDecision[];
  /** Policy decisions plugins recorded. */
  readonly decisions: readonly Decision[];
  /** Token usage. */
  readonly usage: Usage;
  /** HTTP status the client got (499 when the client left before any status was sent). */
  readonly status: number;
  /** Upstream HTTP status, when the provider answered. */
  readonly upstreamStatus?: number;
  /** The error the client got, if any. */
  readonly error?: ApiError;
  /** True when the client disconnected before the response completed. */
  readonly aborted: boolean;
  /** Timings. */
  readonly timings: ExchangeTimings;
  /** Plugin state from the request. */
  readonly state: StateBag;
}
