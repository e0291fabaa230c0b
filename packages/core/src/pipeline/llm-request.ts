import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { FormatAdapter, ResponseInfo, StrippedCall } from '../formats/format-adapter.js';
import { UnreadableResponseError } from '../formats/unreadable-response.js';
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
import { type SecretRedactor, redactedChunks } from '../secrets/secret-redactor.js';
import { credentialValues } from '../secrets/upstream-credentials.js';
import { type ApiError, ApiErrorException, apiError } from '../types/api-error.js';
import type { Identity } from '../types/identity.js';
import type { JsonObject } from '../types/json.js';
import { MapStateBag } from '../types/state-key.js';
import { didYouMean } from '../text/did-you-mean.js';
import { logAccess } from './access-log.js';
import { decideToolCall } from './decide-tool-call.js';
import { denialError } from './denial-error.js';
import { ExchangeDraft } from './exchange-draft.js';
import { identifyCaller } from './identify-caller.js';
import { observerNeeds } from './observer-needs.js';
import { CoreUpstreamRequest, RequestAbort } from './request-abort.js';
import type { RequestContextImpl } from './request-context-impl.js';
import { type RoutedRequest, routeRequest } from './route-request.js';
import { StreamRelay, unreadableError } from './stream-relay.js';
import type { StrippedCallStore } from './stripped-call-store.js';
import { askStreamUsage } from './stream-usage.js';
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
  /** Most bytes of a streamed answer kept for its tool calls (held events, assembled calls). */
  readonly maxHeldBytes: number;
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
  /**
   * Finds the credentials this runtime sends upstream (provider keys, credential `add_headers`)
   * in provider responses; each request adds the credentials it sent itself.
   */
  readonly redactor: SecretRedactor;
  /** Calls stripped from responses the provider stores (for follow-up turns); absent: not remembered. */
  readonly strippedCalls?: StrippedCallStore;
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
  /** Credentials to keep out of the answer: the runtime's and those this request sent upstream. */
  #redactor: SecretRedactor;
  #echoLogged = false;
  /** The in-stream error event of the relayed stream (it may depend on what was relayed). */
  #streamErrorEvent: ((error: ApiError) => string) | undefined;
  /** True when the gateway asked for the stream's usage itself: the client must not see what it adds. */
  #hideUsage = false;

  constructor(req: IncomingMessage, res: ServerResponse, target: LlmRequestTarget, adapter: FormatAdapter, rt: PipelineRuntime) {
    this.#req = req;
    this.#res = res;
    this.#target = target;
    this.#adapter = adapter;
    this.#rt = rt;
    this.#redactor = rt.redactor;
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
      let routed: RoutedRequest;
      try {
        routed = this.#route(identity, query, raw, body);
      } catch (err) {
        throw await this.#withModelHint(err, identity);
      }
      const { ctx, provider } = routed;
      this.#completeFollowUp(ctx);
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

  /**
   * An unknown model's 404 with "did you mean" among the models the caller may use (`listModels`,
   * so grants hide what others may use); any other error as it is. Only on this failure path.
   */
  async #withModelHint(err: unknown, identity: Identity): Promise<unknown> {
    if (!(err instanceof ApiErrorException) || err.apiError.code !== 'model_not_found') return err;
    const hooks = this.#rt.hooks;
    let models = this.#rt.providers.models();
    try {
      if (hooks.listModels.isUsed()) models = await hooks.listModels.promise(models, { identity, log: this.#logOf() });
    } catch {
      return err; // a caller who may list nothing gets no hint
    }
    const hint = didYouMean(this.#draft.model, models.map((m) => m.id));
    return hint === '' ? err : new ApiErrorException({ ...err.apiError, message: `${err.apiError.message}${hint}` });
  }

  /**
   * A follow-up turn that refers to a stored response the gateway stripped calls from gets what
   * the provider needs to continue (see `StoredFollowUps`).
   */
  #completeFollowUp(ctx: RequestContextImpl): void {
    const store = this.#rt.strippedCalls;
    const followUps = this.#adapter.storedFollowUps;
    if (store === undefined || followUps === undefined || store.empty) return;
    const completed = followUps.completeRequest(ctx.body, store);
    if (completed !== undefined) ctx.replaceBody(completed);
  }

  /** Remembers the calls stripped from a response the provider stores, for the follow-up turn. */
  #rememberStrips(ctx: RequestContextImpl, response: unknown, stripped: readonly StrippedCall[]): void {
    const store = this.#rt.strippedCalls;
    const followUps = this.#adapter.storedFollowUps;
    if (store === undefined || followUps === undefined || stripped.length === 0) return;
    const keys = followUps.storedKeys(ctx.body, response);
    if (keys.length === 0) return;
    const strips = followUps.remember(stripped, response);
    for (const key of keys) store.remember(key, strips);
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
    const headers = buildUpstreamHeaders(provider, adapter, this.#req.headers, ctx.upstreamHeaders);
    // Whatever credential goes upstream (a passthrough client's key, one a plugin added) must not come back.
    this.#redactor = this.#rt.redactor.with(credentialValues(headers));
    this.#hideUsage = askStreamUsage(ctx, adapter, provider);
    let upstream: UpstreamResponse;
    try {
      upstream = await provider.upstream.request(
        new CoreUpstreamRequest(
          {
            path: joinUpstreamPath(provider.basePath, adapter.upstreamPath({ clientPath: this.#target.path, query, model: ctx.model, stream: ctx.stream })),
            method: 'POST',
            headers,
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
    else if (this.#rt.hooks.onToolCall.isUsed()) await this.#relayGated(ctx, provider, upstream, contentType);
    else if (contentType.includes('text/event-stream')) await this.#relayStream(ctx, provider, upstream, contentType);
    else await this.#relayJson(ctx, provider, upstream, contentType);
  }

  /**
   * With `onToolCall` taps the answer is read the way the client will read it, which the client's
   * own request decides (the SDKs read a stream whenever they asked for one, whatever the content
   * type, and JSON otherwise): a stream must be `text/event-stream`, anything else is read as JSON.
   * A redirect or an informational status is refused: a client following it would get an answer
   * the gateway never saw.
   */
  async #relayGated(ctx: RequestContextImpl, provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    let reason: string | undefined;
    if (upstream.status < 200 || upstream.status >= 300) reason = `the provider answered with status ${upstream.status}`;
    else if (ctx.stream && media !== 'text/event-stream') reason = `a stream was asked for but the provider answered ${media === '' ? 'without a content type' : media}`;
    if (reason !== undefined) {
      upstream.body.on('error', () => undefined);
      upstream.body.destroy();
      throw this.#unreadable(new UnreadableResponseError(reason));
    }
    if (ctx.stream) await this.#relayStream(ctx, provider, upstream, contentType);
    else await this.#relayJson(ctx, provider, upstream, media === 'application/json' ? contentType : 'application/json');
  }

  /** Logs why an answer was refused unread and returns the client's error. */
  #unreadable(err: UnreadableResponseError): ApiErrorException {
    this.#logOf().warn({ reason: err.reason, format: this.#adapter.name }, 'refused an upstream answer the gateway cannot read with certainty');
    return new ApiErrorException(unreadableError(err), { cause: err });
  }

  /** The provider refused: its own error body goes to the client (without the provider key). */
  async #relayUpstreamError(provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const draft = this.#draft;
    let buf: Buffer;
    try {
      buf = this.#redact(await readLimited(upstream.body, MAX_ERROR_BODY), provider);
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
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType.includes('json') ? contentType : 'application/json', ...this.#clientHeaders(upstream, provider) };
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
      buf = this.#redact(await readLimited(upstream.body, this.#rt.limits.maxResponseBytes), provider);
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
    const gate = hooks.onToolCall.isUsed();
    let info: ResponseInfo;
    try {
      info = adapter.readResponse(parsed, { strict: gate });
    } catch (err) {
      if (err instanceof UnreadableResponseError) throw this.#unreadable(err);
      throw err;
    }
    draft.responseBody = info.body ?? parsed;
    draft.rawResponses = info.rawResponses ?? [parsed];
    draft.toolCalls = info.toolCalls;
    draft.providerToolCalls = info.providerToolCalls ?? [];
    draft.usage = info.usage;
    let out: Buffer | string = buf;
    if (info.toolCalls.length > 0 && gate) {
      const decisions = await Promise.all(info.toolCalls.map((call) => decideToolCall(hooks, ctx, call, false)));
      draft.toolDecisions = decisions;
      const blocked = decisions.find((d) => d.outcome === 'blocked');
      if (blocked?.denial !== undefined) throw new ApiErrorException(denialError(blocked.denial, 'tool_call_blocked'));
      const stripped = decisions.filter((d) => d.outcome === 'stripped').map((d) => ({ call: d.call, message: d.message ?? 'denied by policy' }));
      if (stripped.length > 0) {
        const client = adapter.stripToolCalls(parsed, stripped);
        draft.clientResponseBody = client;
        out = JSON.stringify(client);
        this.#rememberStrips(ctx, parsed, stripped);
      }
    }
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType || 'application/json', ...this.#clientHeaders(upstream, provider) };
    draft.responseHeaders = headers;
    writeBody(this.#res, upstream.status, headers, out);
  }

  /** A stream: relayed event by event, each tool call held until `onToolCall` decided it. */
  async #relayStream(ctx: RequestContextImpl, provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string): Promise<void> {
    const draft = this.#draft;
    const needs = observerNeeds(this.#rt.hooks, ctx.keptResponse);
    const headers = { 'x-request-id': this.#requestId, 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...this.#clientHeaders(upstream, provider) };
    draft.responseHeaders = headers;
    const relay = new StreamRelay({
      res: this.#res,
      adapter: this.#adapter,
      hooks: this.#rt.hooks,
      request: ctx,
      gate: this.#rt.hooks.onToolCall.isUsed(),
      keepRaw: needs.rawResponses,
      assembleBody: needs.body,
      hideUsage: this.#hideUsage,
      maxEventBytes: this.#rt.limits.maxEventBytes,
      maxHeldBytes: this.#rt.limits.maxHeldBytes,
      status: upstream.status,
      headers,
      onFirstByte: () => {
        this.#streaming = true;
        draft.firstByteMs = performance.now() - draft.startMs;
      },
      abortUpstream: () => upstream.body.destroy(),
      upstreamError: (err) => upstreamFailure(err, provider.id),
    });
    const redactor = this.#redactor;
    const body = redactor.empty ? upstream.body : redactedChunks(upstream.body, redactor, () => this.#echoed(provider));
    const outcome = await relay.run(body);
    this.#streamErrorEvent = outcome.errorEvent;
    draft.responseBody = outcome.assembled.body;
    draft.rawResponses = outcome.rawResponses;
    draft.toolCalls = outcome.assembled.toolCalls;
    draft.providerToolCalls = outcome.assembled.providerToolCalls ?? [];
    draft.usage = outcome.assembled.usage;
    draft.toolDecisions = outcome.decisions;
    const stripped = outcome.decisions.filter((d) => d.outcome === 'stripped').map((d) => ({ call: d.call, message: d.message ?? 'denied by policy' }));
    if (stripped.length > 0) {
      const adapter = this.#adapter;
      const body = outcome.assembled.body;
      draft.clientResponseBody = () => adapter.stripToolCalls(body, stripped);
    }
    if (stripped.length > 0 && outcome.error === undefined) this.#rememberStrips(ctx, outcome.assembled.body, stripped);
    if (outcome.error !== undefined) throw new ApiErrorException(outcome.error);
  }

  /** `buf` without the credentials this request sent upstream (some servers echo them). */
  #redact(buf: Buffer, provider: ResolvedProvider): Buffer {
    const r = this.#redactor.redact(buf);
    if (r.count > 0) this.#echoed(provider);
    return r.buf;
  }

  /** The upstream response headers passed on to the client, without credentials. */
  #clientHeaders(upstream: UpstreamResponse, provider: ResolvedProvider): Record<string, string> {
    const headers = clientResponseHeaders(upstream.headers);
    if (this.#redactor.empty) return headers;
    for (const name in headers) {
      const value = headers[name] as string;
      const clean = this.#redactor.redactText(value);
      if (clean !== value) {
        headers[name] = clean;
        this.#echoed(provider);
      }
    }
    return headers;
  }

  /** Logs, once per request, that the provider echoed a credential (it was replaced with `***`). */
  #echoed(provider: ResolvedProvider): void {
    if (this.#echoLogged) return;
    this.#echoLogged = true;
    this.#logOf().warn({ provider: provider.id }, 'the provider echoed a credential it was sent; replaced with *** in what the client, observers and hooks get');
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
    else if (this.#streaming && !res.writableEnded && !res.destroyed) res.end((this.#streamErrorEvent ?? this.#adapter.streamErrorEvent)(error));
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
