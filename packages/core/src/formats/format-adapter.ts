import type { MockRenderer } from '../providers/mock/mock-renderer.js';
import type { RememberedStrip, StrippedCallStore } from '../pipeline/stripped-call-store.js';
import type { ApiError } from '../types/api-error.js';
import type { JsonObject } from '../types/json.js';
import type { DeclaredTool, ToolCall, Usage } from '../types/tool-call.js';
import type { SseEvent } from '../sse/sse-event.js';

/** What an adapter reads from the client request to route it. */
export interface RequestInfo {
  /** Model as the client named it (from the body, or the URL for Gemini). */
  readonly model: string;
  /** True when the client asked for a stream. */
  readonly stream: boolean;
}

/** Input of {@link FormatAdapter.readRequest}. */
export interface FormatRequestInput {
  /** Parsed JSON body (an object). */
  readonly body: JsonObject;
  /** Client path without the query. */
  readonly path: string;
  /** Router path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** Client query string. */
  readonly query: URLSearchParams;
}

/** Input of {@link FormatAdapter.upstreamPath}. */
export interface UpstreamPathInput {
  /** Client path without the query. */
  readonly clientPath: string;
  /** Client query string (credential parameters already removed). */
  readonly query: URLSearchParams;
  /** Model id sent upstream. */
  readonly model: string;
  /** True for a streaming request. */
  readonly stream: boolean;
}

/** A normalised view of a complete (non-streaming or reassembled) response. */
export interface ResponseInfo {
  /** Tool calls the client executes, in order. */
  readonly toolCalls: ToolCall[];
  /** Tool calls the provider executed itself (server tools), in order; absent when none. */
  readonly providerToolCalls?: readonly ToolCall[];
  /** Token usage. */
  readonly usage: Usage;
  /**
   * The response in the non-streaming shape, when the body received is not in it (Gemini's
   * `:streamGenerateContent` JSON array, reassembled); absent when the body is that shape.
   */
  readonly body?: unknown;
  /** The parts of the body for `raw_responses` when it has several (the JSON array's chunks). */
  readonly rawResponses?: readonly unknown[];
}

/** A tool call to remove, with the reason to show the model's reader. */
export interface StrippedCall {
  /** The call. */
  readonly call: ToolCall;
  /** Why it was removed. */
  readonly message: string;
}

/** A tool call whose arguments are complete, with the assembler's key for it. */
export interface CompletedCall {
  /** Assembler-internal key (matches {@link StreamEventInfo.calls}). */
  readonly key: string;
  /** The call. */
  readonly call: ToolCall;
}

/** Hints for {@link FormatAdapter.createStreamAssembler}. */
export interface StreamAssemblerOptions {
  /**
   * False when nobody reads `result().body` (no `onResponse` observer): the assembler may then
   * skip reading events that only carry text, so the body's text can be incomplete. Tool calls,
   * usage and what `push` reports for the gate stay exact.
   * @default true
   */
  readonly body?: boolean;
  /**
   * Read strictly, as the gate needs (set whenever `onToolCall` is tapped): `push`, `end` and
   * `rewrite` throw `UnreadableResponseError` for anything the assembler cannot read exactly as
   * every client would (data that is not JSON, an unknown shape, a call it cannot attribute,
   * arguments it cannot parse), instead of passing it on unread.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * The gateway asked the provider for usage the client did not ask for
   * ({@link FormatAdapter.streamUsage}): `push` marks the events the provider sends only because
   * of it `hidden`, so that they never reach the client; their usage is still read.
   * @default false
   */
  readonly hideUsage?: boolean;
}

/**
 * How to ask a provider for a stream's token usage when the client did not (OpenAI chat's
 * `stream_options.include_usage`): see {@link FormatAdapter.streamUsage}.
 */
export interface StreamUsageRequest {
  /**
   * A copy of `body` asking for usage in the stream (its other fields as they are), or
   * `undefined` when `body` already asks for it or cannot be changed safely (a malformed option
   * the provider should see as the client sent it).
   */
  request(body: JsonObject): JsonObject | undefined;
  /**
   * The same change made to `raw`, the exact bytes `body` was parsed from, without serialising
   * the body again; `undefined` when it cannot be done on the bytes (the body is then serialised).
   */
  requestBytes?(raw: Buffer, body: JsonObject): Buffer | undefined;
}

/** Options of {@link FormatAdapter.readResponse}. */
export interface ReadResponseOptions {
  /** Read strictly (see {@link StreamAssemblerOptions.strict}): throw `UnreadableResponseError` rather than guess. */
  readonly strict?: boolean;
}

/** What an upstream SSE event is, for the stream gate. */
export interface StreamEventInfo {
  /** Keys of tool calls this event carries a part of; the event is held until they are decided. */
  readonly calls?: readonly string[];
  /** Tool calls whose arguments this event completes; `onToolCall` starts for each. */
  readonly completes?: readonly CompletedCall[];
  /**
   * True for events that must not overtake held tool-call events (structure, finish and end
   * events). False for events that may flow past a pending call (text deltas, pings).
   */
  readonly ordered: boolean;
  /**
   * True for an event the client would not have received: the provider sent it only because the
   * gateway asked for usage ({@link StreamAssemblerOptions.hideUsage}). It is read (usage, raw
   * responses) but never written. Such an event carries no part of a tool call.
   */
  readonly hidden?: boolean;
}

/** The result of a reassembled stream. */
export interface AssembledResponse extends ResponseInfo {
  /** The stream reassembled into the format's non-streaming response body. */
  readonly body: unknown;
}

/**
 * Per-response stream state: reassembles the stream, finds tool calls, and rewrites the output
 * when calls are stripped. One instance per streamed response.
 */
export interface StreamAssembler {
  /** Feeds one upstream event, in arrival order. */
  push(event: SseEvent): StreamEventInfo;
  /** Upstream ended: completes any call still open and returns those calls. */
  end(): CompletedCall[];
  /** The reassembled response so far (complete after {@link end}). */
  result(): AssembledResponse;
  /**
   * Rewrites one output event given the calls stripped so far (keyed like
   * {@link StreamEventInfo.calls}). Returns the events to send instead: `[event]` unchanged,
   * `[]` to drop it, or replacements (a note in place of a stripped call, renumbered indices,
   * a corrected finish reason). Only called once at least one call was stripped.
   */
  rewrite(event: SseEvent, stripped: ReadonlyMap<string, StrippedCall>): SseEvent[];
  /**
   * The in-stream error that ends this stream (complete SSE text), when it depends on what was
   * relayed (Responses: the next `sequence_number`s, a `response.failed` with the response so
   * far); absent: the adapter's {@link FormatAdapter.streamErrorEvent}.
   */
  errorEvent?(error: ApiError): string;
  /** Told of every event as it is written to the client (after any rewrite); for {@link errorEvent}. */
  wrote?(event: SseEvent): void;
}

/**
 * Follow-up turns after a strip, for formats whose provider stores responses and lets the next
 * turn refer to them (the Responses API): what the gateway remembers, and how it completes a
 * request that refers to a response it stripped calls from.
 */
export interface StoredFollowUps {
  /** The keys under which the provider keeps `response` for later turns; `[]` when it does not keep it. */
  storedKeys(request: JsonObject, response: unknown): string[];
  /** What to remember of each stripped call of `response` (the upstream response, before the strip). */
  remember(stripped: readonly StrippedCall[], response: unknown): RememberedStrip[];
  /** The request completed for the provider, or `undefined` when it refers to nothing stripped. */
  completeRequest(body: JsonObject, store: StrippedCallStore): JsonObject | undefined;
}

/**
 * One client API format (OpenAI chat, OpenAI responses, Anthropic messages, Gemini): its paths,
 * how to read requests, responses and streams, and how to write errors. Registered in the
 * gateway's {@link FormatRegistry}; a plugin may register more.
 */
export interface FormatAdapter {
  /** Unique name; equals the provider `compatibility` flag that opens it (`openai_chat`). */
  readonly name: string;
  /** Human name for messages (`OpenAI Chat Completions`). */
  readonly displayName: string;
  /** Client paths (`@koa/router` patterns) served with POST; the route table takes them from here. */
  readonly paths: readonly string[];
  /** The path shown for this format in `GET /v1/models` `supported_endpoints` (`/v1/chat/completions`). */
  readonly endpoint: string;
  /** How the built-in mock provider (`mock://`) answers in this format; absent: the mock refuses it. */
  readonly mock?: MockRenderer;
  /** Client request headers forwarded upstream besides the common set (`anthropic-version`). */
  readonly forwardHeaders: readonly string[];
  /** Reads model and stream flag; throws `ApiErrorException` (400) on a malformed request. */
  readRequest(input: FormatRequestInput): RequestInfo;
  /** Text of the last user message, whatever its content shape (`""` when none). */
  userMessage(body: JsonObject): string;
  /** Tools the request declares. */
  declaredTools(body: JsonObject): DeclaredTool[];
  /** Returns a copy of `body` declaring only the tools `keep` accepts. */
  filterTools(body: JsonObject, keep: (tool: DeclaredTool) => boolean): JsonObject;
  /** True when the conversation's last turn carries tool results (the model is to answer them). */
  lastTurnIsToolResult(body: JsonObject): boolean;
  /** A session id the client embedded in the body or headers (Claude Code `metadata.user_id`). */
  sessionHint(body: JsonObject, headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined;
  /** Stable text of the conversation's opening (system + first user message) for fingerprinting. */
  conversationSeed(body: JsonObject): string;
  /** Returns `body` with its model set to `model`, or `undefined` when the body has no model field. */
  withModel(body: JsonObject, model: string): JsonObject | undefined;
  /** Upstream path and query (`/v1/chat/completions`, `/v1beta/models/m:streamGenerateContent?alt=sse`). */
  upstreamPath(input: UpstreamPathInput): string;
  /** Reads tool calls and usage from a complete response body (strictly when asked: see {@link ReadResponseOptions}). */
  readResponse(body: unknown, options?: ReadResponseOptions): ResponseInfo;
  /** Returns a copy of `body` without the stripped calls, with a note telling the reader why. */
  stripToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown;
  /** Creates the state for one streamed response (an adapter may ignore `options`). */
  createStreamAssembler(options?: StreamAssemblerOptions): StreamAssembler;
  /** The error envelope of this format. */
  errorBody(error: ApiError): unknown;
  /** An in-stream error event (complete SSE frame text) ending a stream. */
  streamErrorEvent(error: ApiError): string;
  /** Follow-up turns after a strip (formats whose provider stores responses); absent: none needed. */
  readonly storedFollowUps?: StoredFollowUps;
  /**
   * How to ask the provider for a stream's usage the client did not ask for; the gateway then
   * creates the stream's assembler with `hideUsage`. Absent: the format's streams always carry
   * usage (or never can).
   */
  readonly streamUsage?: StreamUsageRequest;
}
