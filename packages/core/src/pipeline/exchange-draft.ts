import type { FormatAdapter } from '../formats/format-adapter.js';
import { redactHeaders } from '../http/redact-headers.js';
import type { ApiError } from '../types/api-error.js';
import type { Decision } from '../types/decision.js';
import type { Exchange } from '../types/exchange.js';
import type { Identity } from '../types/identity.js';
import type { ProviderRef } from '../types/provider-info.js';
import type { JsonObject } from '../types/json.js';
import type { RequestContext } from '../types/request-context.js';
import type { StateBag } from '../types/state-key.js';
import { type DeclaredTool, type ToolCall, type ToolCallDecision, type Usage, emptyUsage } from '../types/tool-call.js';

/** The mutable record of an exchange while it happens; {@link toExchange} freezes it. */
export class ExchangeDraft {
  sessionId = '';
  identity: Identity | undefined;
  provider: ProviderRef | undefined;
  model = '';
  requestedModel = '';
  streamed = false;
  /** The client's headers as received (redacted when the exchange is read). */
  requestHeaders: Readonly<Record<string, string | string[] | undefined>> = {};
  /** Headers sent to the client with the answer. */
  responseHeaders: Readonly<Record<string, string>> = {};
  /** What the client got when policy changed the answer (or a function that builds it on first read). */
  clientResponseBody: unknown;
  requestBody: JsonObject | undefined;
  userMessage = '';
  declaredTools: readonly DeclaredTool[] = [];
  responseBody: unknown;
  /** Raw responses, or a function that builds them the first time an observer reads them. */
  rawResponses: readonly unknown[] | (() => readonly unknown[]) = [];
  toolCalls: readonly ToolCall[] = [];
  toolDecisions: readonly ToolCallDecision[] = [];
  decisions: readonly Decision[] = [];
  usage: Usage = emptyUsage();
  status = 0;
  upstreamStatus: number | undefined;
  error: ApiError | undefined;
  aborted = false;
  upstreamHeadersMs: number | undefined;
  firstByteMs: number | undefined;

  constructor(
    readonly requestId: string,
    readonly adapter: FormatAdapter,
    readonly method: string,
    readonly path: string,
    readonly userAgent: string,
    readonly startedAt: number,
    readonly startMs: number,
    readonly state: StateBag,
  ) {}

  /**
   * Takes what the exchange reports of the request from its context: caller, provider, model,
   * forwarded body and decisions; with `observed` (some `onResponse` tap exists) also the session
   * id, user message and declared tools, which only observers read (the session id is a SHA-256
   * over the conversation's opening, a measurable share of a request's CPU).
   */
  adoptRequest(ctx: RequestContext, observed: boolean): void {
    this.identity = ctx.identity;
    this.provider ??= { id: ctx.provider.id, name: ctx.provider.name };
    this.model = ctx.model;
    this.requestedModel = ctx.requestedModel;
    this.requestBody = ctx.body;
    this.decisions = ctx.decisions;
    if (observed) {
      this.sessionId = ctx.sessionId;
      this.userMessage = ctx.userMessage;
      this.declaredTools = ctx.tools;
    }
  }

  /** Freezes the draft into the {@link Exchange} observers receive. */
  toExchange(durationMs: number): Exchange {
    const raw = this.rawResponses;
    const client = this.clientResponseBody;
    const headers = this.requestHeaders;
    const exchange = {
      requestId: this.requestId,
      sessionId: this.sessionId,
      identity: this.identity,
      format: this.adapter.name,
      adapter: this.adapter,
      provider: this.provider,
      model: this.model,
      requestedModel: this.requestedModel,
      method: this.method,
      path: this.path,
      userAgent: this.userAgent,
      requestHeaders: {} as Readonly<Record<string, string>>,
      responseHeaders: this.responseHeaders,
      streamed: this.streamed,
      requestBody: this.requestBody,
      userMessage: this.userMessage,
      declaredTools: this.declaredTools,
      responseBody: this.responseBody,
      clientResponseBody: typeof client === 'function' ? undefined : client,
      rawResponses: typeof raw === 'function' ? [] : raw,
      toolCalls: this.toolCalls,
      toolDecisions: this.toolDecisions,
      decisions: this.decisions,
      usage: this.usage,
      status: this.status,
      upstreamStatus: this.upstreamStatus,
      error: this.error,
      aborted: this.aborted,
      timings: Object.freeze({ startedAt: this.startedAt, upstreamHeadersMs: this.upstreamHeadersMs, firstByteMs: this.firstByteMs, durationMs }),
      state: this.state,
    };
    if (typeof raw === 'function') {
      let built: readonly unknown[] | undefined;
      Object.defineProperty(exchange, 'rawResponses', { enumerable: true, get: () => (built ??= raw()) });
    }
    if (typeof client === 'function') {
      let built: { value: unknown } | undefined;
      Object.defineProperty(exchange, 'clientResponseBody', { enumerable: true, get: () => (built ??= { value: (client as () => unknown)() }).value });
    }
    // Redacted on first read: most observers never look at the request's headers.
    let redacted: Readonly<Record<string, string>> | undefined;
    Object.defineProperty(exchange, 'requestHeaders', { enumerable: true, get: () => (redacted ??= redactHeaders(headers)) });
    return Object.freeze(exchange);
  }
}
