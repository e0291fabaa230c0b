import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { SecretRegistry } from '../config/secret-registry.js';
import { PluginHookError } from '../errors.js';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { ClientAbortedError, readJsonBody } from '../http/read-json-body.js';
import { BodyTooLargeError, readLimited } from '../http/read-limited.js';
import { writeApiError, writeBody } from '../http/write-response.js';
import { CREDENTIAL_QUERY_PARAMS, clientCredential } from '../identity/client-credential.js';
import { isLoopbackAddress, normalizeAddress } from '../identity/loopback.js';
import type { ProviderRegistry, ResolvedProvider } from '../providers/provider-registry.js';
import { buildUpstreamHeaders, clientResponseHeaders } from '../providers/upstream-headers.js';
import type { UpstreamResponse } from '../providers/upstream.js';
import { joinUpstreamPath } from '../providers/upstream-url.js';
import { type ApiError, ApiErrorException, apiError } from '../types/api-error.js';
import { MapStateBag } from '../types/state-key.js';
import { logAccess } from './access-log.js';
import { decideToolCall } from './decide-tool-call.js';
import { denialError } from './denial-error.js';
import { ExchangeDraft } from './exchange-draft.js';
import { CoreUpstreamRequest, RequestAbort } from './request-abort.js';
import { RequestContextImpl } from './request-context-impl.js';
import { StreamRelay } from './stream-relay.js';
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
  /**
   * What `onResponse` taps read of a stream: `'none'` (no taps), `'all'` (some tap did not
   * declare: keep everything) or `'declared'` (what requests asked for with `keepResponse`).
   */
  readonly responseObservers: 'none' | 'declared' | 'all';
}

/** Where an LLM request goes, as the router matched it. */
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

function isJsonObject(v: unknown): boolean {
  return v !== null && typeof v === 'object';
}

/** Turns anything thrown in the pipeline into the client's error. */
function toApiError(err: unknown, log: () => Logger): ApiError {
  if (err instanceof ApiErrorException) return err.apiError;
  if (err instanceof PluginHookError) {
    if (err.cause instanceof ApiErrorException) return err.cause.apiError;
    log().error({ err, plugin: err.plugin, hook: err.hook }, 'plugin failed; refusing the request');
    return apiError('internal', `plugin "${err.plugin}" failed in ${err.hook}`);
  }
  log().error({ err }, 'request failed');
  return apiError('internal', 'internal gateway error');
}

/**
 * Handles one LLM API request end to end: identify, read and check the body, route, run
 * `onRequest`, call the provider, relay the answer (gating tool calls), then log the access
 * line and hand the exchange to `onResponse` observers without waiting for them.
 */
export async function handleLlmRequest(req: IncomingMessage, res: ServerResponse, target: LlmRequestTarget, adapter: FormatAdapter, rt: PipelineRuntime): Promise<void> {
  const startMs = performance.now();
  const requestId = randomUUID();
  const { method, path } = target;
  // `x-request-id` goes out with every answer's headers (writeBody, writeApiError, the stream
  // relay): all in one writeHead, Node's fast path, rather than a setHeader now.
  // Made on first use: most requests never log anything but their access line.
  let requestLog: Logger | undefined;
  const logOf = (): Logger => (requestLog ??= rt.logger.child({ reqId: requestId }));
  const state = new MapStateBag();
  const draft = new ExchangeDraft(requestId, adapter, method, path, headerValue(req.headers['user-agent']) ?? '', Date.now(), startMs, state);
  const abort = new RequestAbort();
  const onClose = (): void => {
    if (!res.writableFinished) {
      draft.aborted = true;
      abort.abort();
    }
  };
  res.once('close', onClose);
  let rctx: RequestContextImpl | undefined;
  try {
    const remoteAddress = normalizeAddress(req.socket.remoteAddress);
    const query = new URLSearchParams(target.querystring);
    const identity = await rt.hooks.identify.promise({
      requestId,
      remoteAddress,
      remotePort: req.socket.remotePort ?? 0,
      isLoopback: isLoopbackAddress(remoteAddress),
      headers: req.headers,
      credential: clientCredential(req.headers, query),
    });
    if (identity === undefined || identity === null) {
      throw new ApiErrorException(apiError('authentication', 'caller not identified: present a valid API key, or call from an identified device', { code: 'unauthenticated' }));
    }
    draft.identity = identity;
    const { raw, body } = await readJsonBody(req, { maxBytes: rt.limits.maxBodyBytes, maxDepth: rt.limits.maxJsonDepth });
    const info = adapter.readRequest({ body, path, params: target.params, query });
    draft.model = info.model;
    draft.streamed = info.stream;
    const route = rt.providers.route(info.model, adapter.name);
    if ('reason' in route) {
      throw new ApiErrorException(
        route.reason === 'unknown_model'
          ? apiError('not_found', `model "${info.model}" does not exist or is not served by this gateway`, { code: 'model_not_found' })
          : apiError('not_found', `model "${info.model}" is not available on ${adapter.displayName} (${path}); its provider does not accept this API`, { code: 'unsupported_api' }),
      );
    }
    const provider = route.provider;
    draft.provider = { id: provider.id, name: provider.name };
    draft.model = route.model;
    rctx = new RequestContextImpl({
      id: requestId,
      format: adapter,
      method,
      path,
      headers: req.headers,
      remoteAddress,
      identity,
      requestedModel: info.model,
      model: route.model,
      provider,
      stream: info.stream,
      body,
      rawBody: raw,
      state,
      signal: abort,
      log: logOf,
    });
    if (rt.hooks.onRequest.isUsed()) {
      const denial = await rt.hooks.onRequest.promise(rctx);
      if (denial !== undefined && denial !== null) throw new ApiErrorException(denialError(denial));
    }
    for (const p of CREDENTIAL_QUERY_PARAMS) query.delete(p);
    let upstream: UpstreamResponse;
    try {
      upstream = await provider.upstream.request(
        new CoreUpstreamRequest(
          {
            path: joinUpstreamPath(provider.basePath, adapter.upstreamPath({ clientPath: path, query, model: route.model, stream: info.stream })),
            method: 'POST',
            headers: buildUpstreamHeaders(provider, adapter, req.headers, rctx.upstreamHeaders),
            body: rctx.forwardBody(),
            format: adapter,
            stream: info.stream,
          },
          abort,
        ),
      );
    } catch (err) {
      if (abort.aborted) throw new ClientAbortedError();
      throw new ApiErrorException(upstreamFailure(err, provider.id), { cause: err });
    }
    draft.upstreamStatus = upstream.status;
    draft.upstreamHeadersMs = performance.now() - startMs;
    const contentType = headerValue(upstream.headers['content-type']) ?? '';
    if (upstream.status >= 400) await relayUpstreamError(res, adapter, provider, upstream, contentType, draft, logOf);
    else if (contentType.includes('text/event-stream')) await relayStream(res, adapter, rt, rctx, upstream, contentType, draft, abort);
    else await relayJson(res, adapter, rt, rctx, provider, upstream, contentType, draft);
  } catch (err) {
    if (err instanceof ClientAbortedError || abort.aborted) draft.aborted = true;
    else {
      const error = toApiError(err, logOf);
      draft.error = error;
      writeApiError(res, adapter, error, requestId);
    }
  } finally {
    draft.status = res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS;
    if (draft.firstByteMs === undefined && res.headersSent) draft.firstByteMs = performance.now() - startMs;
    if (rctx !== undefined) {
      draft.requestBody = rctx.body;
      draft.decisions = rctx.decisions;
      // Only observers read these; the session id alone (a SHA-256 over the conversation's
      // opening) cost ~1% of a request's CPU when nobody tapped onResponse.
      if (rt.hooks.onResponse.isUsed()) {
        draft.sessionId = rctx.sessionId;
        draft.userMessage = rctx.userMessage;
        draft.declaredTools = rctx.tools;
      }
    }
    const exchange = draft.toExchange(performance.now() - startMs);
    if (rt.accessLog) logAccess(rt.logger, exchange);
    if (rt.hooks.onResponse.isUsed()) {
      rt.hooks.onResponse.promise(exchange).catch((err: unknown) => logOf().error({ err }, 'onResponse failed'));
    }
  }
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

async function relayUpstreamError(res: ServerResponse, adapter: FormatAdapter, provider: ResolvedProvider, upstream: UpstreamResponse, contentType: string, draft: ExchangeDraft, log: () => Logger): Promise<void> {
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
  if (upstream.status === 401 || upstream.status === 403) log().warn({ provider: provider.id, upstreamStatus: upstream.status }, 'provider refused the request (check the provider key)');
  if (!isJsonObject(parsed)) {
    throw new ApiErrorException(apiError('upstream', `provider "${provider.id}" answered ${upstream.status} with a non-JSON body`, { code: 'upstream_error' }));
  }
  draft.responseBody = parsed;
  draft.rawResponses = [parsed];
  const message = String((parsed as { error?: { message?: unknown } }).error?.message ?? `provider answered ${upstream.status}`);
  draft.error = apiError('upstream', message.slice(0, 500), { status: upstream.status });
  writeBody(res, upstream.status, { 'x-request-id': draft.requestId, 'content-type': contentType.includes('json') ? contentType : 'application/json', ...clientResponseHeaders(upstream.headers) }, buf);
}

async function relayJson(
  res: ServerResponse,
  adapter: FormatAdapter,
  rt: PipelineRuntime,
  rctx: RequestContextImpl,
  provider: ResolvedProvider,
  upstream: UpstreamResponse,
  contentType: string,
  draft: ExchangeDraft,
): Promise<void> {
  let buf: Buffer;
  try {
    buf = await readLimited(upstream.body, rt.limits.maxResponseBytes);
  } catch (err) {
    if (rctx.aborted) throw new ClientAbortedError();
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
  if (info.toolCalls.length > 0 && rt.hooks.onToolCall.isUsed()) {
    const decisions = await Promise.all(info.toolCalls.map((call) => decideToolCall(rt.hooks, rctx, call, false)));
    draft.toolDecisions = decisions;
    const blocked = decisions.find((d) => d.outcome === 'blocked');
    if (blocked?.denial !== undefined) throw new ApiErrorException(denialError(blocked.denial, 'tool_call_blocked'));
    const stripped = decisions.filter((d) => d.outcome === 'stripped').map((d) => ({ call: d.call, message: d.message ?? 'denied by policy' }));
    if (stripped.length > 0) out = JSON.stringify(adapter.stripToolCalls(parsed, stripped));
  }
  writeBody(res, upstream.status, { 'x-request-id': draft.requestId, 'content-type': contentType || 'application/json', ...clientResponseHeaders(upstream.headers) }, out);
}

async function relayStream(
  res: ServerResponse,
  adapter: FormatAdapter,
  rt: PipelineRuntime,
  rctx: RequestContextImpl,
  upstream: UpstreamResponse,
  contentType: string,
  draft: ExchangeDraft,
  abort: RequestAbort,
): Promise<void> {
  const keep = rt.responseObservers === 'all' ? { body: true, rawResponses: true } : rt.responseObservers === 'none' ? { body: false, rawResponses: false } : rctx.keptResponse;
  const relay = new StreamRelay({
    res,
    adapter,
    hooks: rt.hooks,
    request: rctx,
    gate: rt.hooks.onToolCall.isUsed(),
    keepRaw: keep.rawResponses,
    assembleBody: keep.body,
    maxEventBytes: rt.limits.maxEventBytes,
    status: upstream.status,
    headers: { 'x-request-id': draft.requestId, 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...clientResponseHeaders(upstream.headers) },
    onFirstByte: () => {
      draft.firstByteMs = performance.now() - draft.startMs;
    },
    abortUpstream: () => upstream.body.destroy(),
    upstreamError: (err) => upstreamFailure(err, rctx.provider.id),
  });
  const outcome = await relay.run(upstream.body);
  draft.responseBody = outcome.assembled.body;
  draft.rawResponses = outcome.rawResponses;
  draft.toolCalls = outcome.assembled.toolCalls;
  draft.usage = outcome.assembled.usage;
  draft.toolDecisions = outcome.decisions;
  if (abort.aborted) draft.aborted = true;
  if (outcome.error !== undefined) {
    draft.error = outcome.error;
    if (outcome.errorBeforeOutput) writeApiError(res, adapter, outcome.error, draft.requestId);
  }
}

