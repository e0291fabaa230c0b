import type { Logger } from 'pino';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { JsonObject } from './json.js';
import type { ProviderInfo } from './provider-info.js';
import type { Decision } from './decision.js';
import type { ResponseParts } from './exchange.js';
import type { Identity } from './identity.js';
import type { StateBag } from './state-key.js';
import type { DeclaredTool, ToolCall } from './tool-call.js';


/**
 * The request as `onRequest` taps see it. Read-only apart from the explicit mutators, which
 * core applies before forwarding (the original bytes are forwarded when nothing changed).
 */
export interface RequestContext {
  /** Request id (also sent back as `x-request-id`). */
  readonly id: string;
  /** The client's API format. */
  readonly format: FormatAdapter;
  /** HTTP method. */
  readonly method: string;
  /** The request path as the client sent it, without the query (`/v1/chat/completions`). */
  readonly path: string;
  /** Client request headers (lower-case names). Credentials are present: never log them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's `User-Agent`, or `""`. */
  readonly userAgent: string;
  /** Remote address of the client socket. */
  readonly remoteAddress: string;
  /** Who is calling. */
  readonly identity: Identity;
  /** The model as the client named it (may be `provider/model`). */
  readonly requestedModel: string;
  /** The model id sent upstream. */
  readonly model: string;
  /** The provider chosen for this request (never its key or connection pool). */
  readonly provider: ProviderInfo;
  /** True when the client asked for a stream. */
  readonly stream: boolean;
  /** The current request body (after any replacement). Treat as read-only; use {@link replaceBody}. */
  readonly body: JsonObject;
  /** Text of the last user message, whatever the content shape. */
  readonly userMessage: string;
  /** Tools the current body declares. */
  readonly tools: readonly DeclaredTool[];
  /** Session id: client header, format hint (Claude Code), or a conversation fingerprint. */
  readonly sessionId: string;
  /** Per-request state shared between plugins. */
  readonly state: StateBag;
  /** Decisions recorded so far. */
  readonly decisions: readonly Decision[];
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Request-scoped logger (bound to `reqId`). */
  readonly log: Logger;
  /** Replaces the whole request body (a `pre_request` modify). The next tap sees the new body. */
  replaceBody(body: JsonObject): void;
  /** Keeps only the declared tools for which `keep` returns true. */
  filterTools(keep: (tool: DeclaredTool) => boolean): void;
  /** Adds a header to the upstream request (`add_headers` from grants). */
  addUpstreamHeader(name: string, value: string): void;
  /** Records a policy decision for the exchange and access log. */
  recordDecision(decision: Decision): void;
  /**
   * Declares, for an `onResponse` observer tapped with `{ response: 'declared' }`, which parts of
   * this request's response its exchange must carry (default: both). Calls add up. Only needed
   * for streams: core then keeps each event's text for `rawResponses`, or the text for the
   * reassembled `responseBody`, which it otherwise lets go as the events pass.
   */
  keepResponse(parts?: ResponseParts): void;
}

/** What `onToolCall` taps see: one tool call, before it reaches the client. */
export interface ToolCallContext {
  /** The request this call answers. */
  readonly request: RequestContext;
  /** The call. */
  readonly call: ToolCall;
  /** True when the call arrived in a stream. */
  readonly streaming: boolean;
}
