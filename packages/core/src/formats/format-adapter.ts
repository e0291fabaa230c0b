import type { MockRenderer } from '../providers/mock/mock-renderer.js';
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
  /** Tool calls, in order. */
  readonly toolCalls: ToolCall[];
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
  /** Reads tool calls and usage from a complete response body. */
  readResponse(body: unknown): ResponseInfo;
  /** Returns a copy of `body` without the stripped calls, with a note telling the reader why. */
  stripToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown;
  /** Creates the state for one streamed response (an adapter may ignore `options`). */
  createStreamAssembler(options?: StreamAssemblerOptions): StreamAssembler;
  /** The error envelope of this format. */
  errorBody(error: ApiError): unknown;
  /** An in-stream error event (complete SSE frame text) ending a stream. */
  streamErrorEvent(error: ApiError): string;
}
