import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { SecretRegistry } from '../config/secret-registry.js';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { ClientAbortedError, readJsonBody } from '../http/read-json-body.js';
import { BodyTooLargeError, readLimited } from '../http/read-limited.js';
import { writeApiError, writeBody } from '../http/write-response.js';
import { CREDENTIAL_QUERY_PARAMS } from '../identity/client-credential.js';
import { normalizeAddress } from '../identity/loopback.js';
import type { ProviderRegistry, ResolvedProvider } from '../providers/provider-registry.js';
import { buildUpstreamHeaders, clientResponseHeaders } from '../providers/upstream-headers.js';
import type { UpstreamResponse } from '../providers/upstream.js';
import { joinUpstreamPath } from '../providers/upstream-url.js';
import { ApiErrorException, apiError } from '../types/api-error.js';
import type { Identity } from '../types/identity.js';
import type { JsonObject } from '../types/json.js';
import { MapStateBag } from '../types/state-key.js';
import { logAccess } from './access-log.js';
import { decideToolCall } from './decide-tool-call.js';
import { denialError } from './denial-error.js';
import { ExchangeDraft } from './exchange-draft.js';
import { identifyCaller } from './identify-caller.js';
import { observerNeeds } from './observer-needs.js';
import { CoreUpstreamRequest, RequestAbort } from './request-abort.js';
import type { RequestContextImpl } from './request-context-impl.js';
import { type RoutedRequest, routeRequest } from './route-request.js';
import { StreamRelay } from './stream-relay.js';
import { toApiError } from './to-api-error.js';
import { upstreamFailure } from './upstream-error.js';

/** Limits in effect for a runtime, parsed to numbers. */
export interface RuntimeLimits {
  /** Largest request body (bytes). */
  readonly maxBodyBytes: number;
  /** Largest non-streaming upstream response (bytes). */
  readonly maxResponseBytes: number;
  /** Largest upstream SSE event (bytes). */
  readonly maxEventBytes: number;
  /** Deepest JSON nesting in a request body. */
  readonly maxJsonDepth: number;
}

/** What the request pipeline needs from its runtime. */
export interface PipelineRuntime {
  /** Hooks. */
  readonly hooks: TollgateHooks;
  /** Providers. */
  readonly providers: ProviderRegistry;
  /** Root logger. */
  readonly logger: Logger;
  /** Limits. */
  readonly limits: RuntimeLimits;
  /** Write one access line per request. */
  readonly accessLog: boolean;
}

/** Where an LLM request goes, as the route table matched it. */
export interface LlmRequestTarget {
  /** HTTP method. */
  readonly method: string;
  /** Path without the query string, as sent. */
  readonly path: string;
  /** Query string without `?` (may be empty). */
  readonly querystring: string;
  /** Parameters of the matched route pattern (e.g. Gemini's `target`). */
  readonly params: Readonly<Record<string, string>>;
}

/** Status recorded when the client left before a status was sent (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

/** Largest upstream error body read (bytes). */
const MAX_ERROR_BODY = 1024 * 1024;

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * An upstream error body without the provider's key: some OpenAI-compatible servers echo the key
 * they refused, and the body goes on to the client and to observers.
 */
function withoutProviderKey(body: Buffer, provider: ResolvedProvider): Buffer {
  const key = provider.config.apikey;
  if (key.length < SecretRegistry.MIN_LENGTH || !body.includes(key)) return body;
  return Buffer.from(body.toString('utf8').split(key).join('***'));
}

/**
 * Serves one LLM API request end to end (see {@link LlmRequest}); resolves when the client's
 * response is complete. Never rejects for a request's own failures: they become the client's error.
 */
export function serveLlmRequest(req: IncomingMessage, res: ServerResponse, target: LlmRequestTarget, adapter: FormatAdapter, rt: PipelineRuntime): Promise<void> {
  return new LlmRequest(req, res, target, adapter, rt).run();
}

/**
 * One LLM API request, read top to bottom in {@link run}: identify the caller, read the body,
 * route it to a provider, authorize it (`onRequest`), forward it, relay the answer (gating tool
 * calls), then finish: the access line and the exchange for `onResponse` observers, not awaited.
 * Every failure on the way reaches {@link fail}, the one place that turns it into the client's
 * error: a plain HTTP error before the first byte, the format's in-stream error event after it.
 */
class LlmRequest {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #target: LlmRequestTarget;
  readonly #adapter: FormatAdapter;
  readonly #rt: PipelineRuntime;
  readonly #requestId = randomUUID();
  readonly #abort = new RequestAbort();
  readonly #draft: ExchangeDraft;
  #log: Logger | undefined;
  #ctx: RequestContextImpl | undefined;
  /** True once the relayed stream wrote its first byte: errors then go in-stream. */
  #streaming = false;

  constructor(req: IncomingMessage, res: ServerResponse, target: LlmRequestTarget, adapter: FormatAdapter, rt: PipelineRuntime) {
    this.#req = req;
    this.#res = res;
    this.#target = target;
    this.#adapter = adapter;
    this.#rt = rt;
    this.#draft = new ExchangeDraft(this.#requestId, adapter, target.method, target.path, headerValue(req.headers['user-agent']) ?? '', Date.now(), performance.now(), new MapStateBag());
    this.#draft.requestHeaders = req.headers;
  }

  /** The request-scoped logger, made on first use (most requests log nothing but their access line). */
  readonly #logOf = (): Logger => (this.#log ??= this.#rt.logger.child({ reqId: this.#requestId }));

  /** Serves the request; resolves when the response is complete. */
  async run(): Promise<void> {
    this.#res.once('close', () => {
      if (!this.#res.writableFinished) {
        this.#draft.aborted = true;
        this.#abort.abort();
      }
    });
    try {
      const query = new URLSearchParams(this.#target.querystring);
      const identity = await identifyCaller(this.#rt.hooks, this.#req, query, this.#requestId);
      this.#draft.identity = identity;
      const { raw, body } = await readJsonBody(this.#req, { maxBytes: this.#rt.limits.maxBodyBytes, maxDepth: this.#rt.limits.maxJsonDepth });
      const { ctx, provider } = this.#route(identity, query, raw, body);
      await this.#authorize(ctx);
      const upstream = await this.#forward(ctx, provider, query);
      await this.#relay(ctx, provider, upstream);
    } catch (err) {
      this.#fail(err);
    } finally {
      this.#finish();
    }
  }

  /** Reads the model and stream flag, picks the provider and builds the request context. */
  #route(identity: Identity, query: URLSearchParams, raw: Buffer, body: JsonObject): RoutedRequest {
    const draft = this.#draft;
    const routed = routeRequest(this.#rt.providers, {
      id: this.#requestId,
      format: this.#adapter,
      method: this.#target.method,
      path: this.#target.path,
      params: this.#target.params,
      query,
      headers: this.#req.headers,
      remoteAddress: normalizeAddress(this.#req.socket.remoteAddress),
      identity,
      body,
      rawBody: raw,
      state: draft.state,
      signal: this.#abort,
      log: this.#logOf,
      onRead: (info) => {
        draft.model = info.model;
        draft.requestedModel = info.model;
        draft.streamed = info.stream;
      },
    });
    draft.provider = routed.provider.ref;
    draft.model = routed.ctx.model;
    this.#ctx = routed.ctx;
    return routed;
  }

  /** Runs `onRequest`; a returned denial refuses the request. */
  async #authorize(ctx: RequestContextImpl): Promise<void> {
    const hooks = this.#rt.hooks;
    if (!hooks.onRequest.isUsed()) return;
    const denial = await hooks.onRequest.promise(ctx);
    if (denial !== undefined && denial !== null) throw new ApiErrorException(denialError(denial));
  }

  /** Sends the request to the provider with its key; resolves with the response headers. */
  async #forward(ctx: RequestContextImpl, provider: ResolvedProvider, query: URLSearchParams): Promise<UpstreamResponse> {
    const adapter = this.#adapter;
    for (const p of CREDENTIAL_QUERY_PARAMS) query.delete(p);
    let upstream: UpstreamResponse;
    try {
      upstream = await provider.upstream.request(
        new CoreUpstreamRequest(
          {
            path: joinUpstreamPath(provider.basePath, adapter.upstreamPath({ clientPath: this.#target.path, query, model: ctx.model, stream: ctx.stream })),
            method: 'POST',
            headers: buildUpstreamHeaders(provider, adapter, this.#req.headers, ctx.upstreamHeaders),
            body: ctx.forwardBody(),
            format: adapter,
            stream: ctx.stream,
          },
          this.#abort,
        ),
      );
    } catch (err) {
      if (this.#abort.aborted) throw new ClientAbortedError();
      throw new ApiErrorException(upstreamFailure(err, provider.id), { cause: err });
    }
    this.#draft.upstreamStatus = upstream.status;
    this.#draft.upstreamHeadersMs = performance.now() - this.#draft.startMs;
    return upstream;
  }

  /** Relays the provider's answer: its error as it is, a stream event by event, or a JSON body. */
  async #relay(ctx: RequestContextImpl, provider: ResolvedProvider, upstream: UpstreamResponse): Promise<void> {
    const contentType = headerValue(upstream.headers['content-type']) ?? '';
    if (upstream.status >= 400) await this.#relayUpstreamError(provider, upstream, contentType);
    else if (contentType.includes('text/event-stream')) await this.#relayStream(ctx, provider, upstream, contentType);
    else await this.#relayJson(ctx, provider, upstream, contentType);
  }

  /** The provider refused: its own error body goes to the client (without the provider key). */
  async #relayUpstreamError(provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const draft = this.#draft;
    let buf: Buffer;
    try {
      buf = withoutProviderKey(await readLimited(upstream.body, MAX_ERROR_BODY), provider);
    } catch (err) {
      throw new ApiErrorException(err instanceof BodyTooLargeError ? apiError('upstream', `provider "${provider.id}" answered ${upstream.status} with an oversized body`) : upstreamFailure(err, provider.id));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (upstream.status === 401 || upstream.status === 403) this.#logOf().warn({ provider: provider.id, upstreamStatus: upstream.status }, 'provider refused the request (check the provider key)');
    if (parsed === null || typeof parsed !== 'object') {
      throw new ApiErrorException(apiError('upstream', `provider "${provider.id}" answered ${upstream.status} with a non-JSON body`, { code: 'upstream_error' }));
    }
    draft.responseBody = parsed;
    draft.rawResponses = [parsed];
    const message = String((parsed as { error?: { message?: unknown } }).error?.message ?? `provider answered ${upstream.status}`);
    draft.error = apiError('upstream', message.slice(0, 500), { status: upstream.status });
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType.includes('json') ? contentType : 'application/json', ...clientResponseHeaders(upstream.headers) };
    draft.responseHeaders = headers;
    writeBody(this.#res, upstream.status, headers, buf);
  }

  /** A complete JSON answer: its tool calls are decided before any byte of it is sent. */
  async #relayJson(ctx: RequestContextImpl, provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const adapter = this.#adapter;
    const hooks = this.#rt.hooks;
    const draft = this.#draft;
    let buf: Buffer;
    try {
      buf = await readLimited(upstream.body, this.#rt.limits.maxResponseBytes);
    } catch (err) {
      if (ctx.aborted) throw new ClientAbortedError();
      throw new ApiErrorException(err instanceof BodyTooLargeError ? apiError('upstream', `provider "${provider.id}" sent a response larger than the limit`) : upstreamFailure(err, provider.id));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch {
      throw new ApiErrorException(apiError('upstream', `provider "${provider.id}" sent a response that is not valid JSON`, { code: 'upstream_invalid_response' }));
    }
    const info = adapter.readResponse(parsed);
    draft.responseBody = info.body ?? parsed;
    draft.rawResponses = info.rawResponses ?? [parsed];
    draft.toolCalls = info.toolCalls;
    draft.usage = info.usage;
    let out: Buffer | string = buf;
    if (info.toolCalls.length > 0 && hooks.onToolCall.isUsed()) {
      const decisions = await Promise.all(info.toolCalls.map((call) => decideToolCall(hooks, ctx, call, false)));
      draft.toolDecisions = decisions;
      const blocked = decisions.find((d) => d.outcome === 'blocked');
      if (blocked?.denial !== undefined) throw new ApiErrorException(denialError(blocked.denial, 'tool_call_blocked'));
      const stripped = decisions.filter((d) => d.outcome === 'stripped').map((d) => ({ call: d.call, message: d.message ?? 'denied by policy' }));
      if (stripped.length > 0) {
        const client = adapter.stripToolCalls(parsed, stripped);
        draft.clientResponseBody = client;
        out = JSON.stringify(client);
      }
    }
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType || 'application/json', ...clientResponseHeaders(upstream.headers) };
    draft.responseHeaders = headers;
    writeBody(this.#res, upstream.status, headers, out);
  }

  /** A stream: relayed event by event, each tool call held until `onToolCall` decided it. */
  async #relayStream(ctx: RequestContextImpl, provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const draft = this.#draft;
    const needs = observerNeeds(this.#rt.hooks, ctx.keptResponse);
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...clientResponseHeaders(upstream.headers) };
    draft.responseHeaders = headers;
    const relay = new StreamRelay({
      res: this.#res,
      adapter: this.#adapter,
      hooks: this.#rt.hooks,
      request: ctx,
      gate: this.#rt.hooks.onToolCall.isUsed(),
      keepRaw: needs.rawResponses,
      assembleBody: needs.body,
      maxEventBytes: this.#rt.limits.maxEventBytes,
      status: upstream.status,
      headers,
      onFirstByte: () => {
        this.#streaming = true;
        draft.firstByteMs = performance.now() - draft.startMs;
      },
      abortUpstream: () => upstream.body.destroy(),
      upstreamError: (err) => upstreamFailure(err, provider.id),
    });
    const outcome = await relay.run(upstream.body);
    draft.responseBody = outcome.assembled.body;
    draft.rawResponses = outcome.rawResponses;
    draft.toolCalls = outcome.assembled.toolCalls;
    draft.usage = outcome.assembled.usage;
    draft.toolDecisions = outcome.decisions;
    const stripped = outcome.decisions.filter((d) => d.outcome === 'stripped').map((d) => ({ call: d.call, message: d.message ?? 'denied by policy' }));
    if (stripped.length > 0) {
      const adapter = this.#adapter;
      const body = outcome.assembled.body;
      draft.clientResponseBody = () => adapter.stripToolCalls(body, stripped);
    }
    if (outcome.error !== undefined) throw new ApiErrorException(outcome.error);
  }

  /**
   * The one place a failure becomes the client's error: nothing when the client left; a plain HTTP
   * error in the format's envelope before the first byte; the format's in-stream error event, ending
   * the stream, once a stream started.
   */
  #fail(err: unknown): void {
    const res = this.#res;
    if (err instanceof ClientAbortedError || this.#abort.aborted) {
      this.#draft.aborted = true;
      return;
    }
    const error = toApiError(err, this.#logOf);
    const draft = this.#draft;
    draft.error = error;
    draft.clientResponseBody = this.#adapter.errorBody(error);
    if (!res.headersSent) {
      draft.responseHeaders = { 'x-request-id': this.#requestId, 'content-type': 'application/json; charset=utf-8', ...error.headers };
      writeApiError(res, this.#adapter, error, this.#requestId);
    }
    else if (this.#streaming && !res.writableEnded && !res.destroyed) res.end(this.#adapter.streamErrorEvent(error));
    else res.destroy();
  }

  /** Freezes the exchange, writes the access line and hands the exchange to observers (not awaited). */
  #finish(): void {
    const rt = this.#rt;
    const draft = this.#draft;
    const res = this.#res;
    draft.status = res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS;
    if (draft.firstByteMs === undefined && res.headersSent) draft.firstByteMs = performance.now() - draft.startMs;
    const hooks = rt.hooks;
    const observed = hooks.onResponse.isUsed();
    if (this.#ctx !== undefined) draft.adoptRequest(this.#ctx, observed);
    const exchange = draft.toExchange(performance.now() - draft.startMs);
    if (rt.accessLog) logAccess(rt.logger, exchange);
    if (hooks.settle.isUsed()) {
      hooks.settle
        .promise(exchange)
        .catch((err: unknown) => this.#logOf().error({ err }, 'settle failed'))
        .then(() => (observed ? hooks.onResponse.promise(exchange) : undefined))
        .catch((err: unknown) => this.#logOf().error({ err }, 'onResponse failed'));
    } else if (observed) hooks.onResponse.promise(exchange).catch((err: unknown) => this.#logOf().error({ err }, 'onResponse failed'));
  }
}
