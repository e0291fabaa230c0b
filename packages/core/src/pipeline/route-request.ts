import type { FormatAdapter, RequestInfo } from '../formats/format-adapter.js';
import type { ProviderRegistry, ResolvedProvider } from '../providers/provider-registry.js';
import { ApiErrorException, apiError } from '../types/api-error.js';
import { RequestContextImpl, type RequestContextInit } from './request-context-impl.js';

/** What {@link routeRequest} needs: the request as read, before its model is known. */
export interface RouteRequestInput extends Omit<RequestContextInit, 'requestedModel' | 'model' | 'provider' | 'stream'> {
  /** Parameters of the matched route pattern (Gemini's model is in the path). */
  readonly params: Readonly<Record<string, string>>;
  /** The client's query string. */
  readonly query: URLSearchParams;
  /** Called with the model and stream flag as soon as they are read (before routing can fail). */
  readonly onRead?: (info: RequestInfo) => void;
  /** The model and stream flag when the caller already knows them (test harnesses); else the format reads them. */
  readonly info?: RequestInfo;
}

/** A request routed to a provider: its context for hooks, and the provider (with its key and pool: core only). */
export interface RoutedRequest {
  /** The request context `onRequest` and `onToolCall` taps see. */
  readonly ctx: RequestContextImpl;
  /** The provider chosen. */
  readonly provider: ResolvedProvider;
}

/**
 * Reads the model and stream flag with the format, picks the provider that serves the model on
 * this format, and builds the request context, exactly as every LLM request is routed (also by
 * test harnesses). Throws a 400 for a malformed body and a 404 for a model no provider serves on
 * this format.
 */
export function routeRequest(providers: ProviderRegistry, input: RouteRequestInput): RoutedRequest {
  const adapter: FormatAdapter = input.format;
  const info = input.info ?? adapter.readRequest({ body: input.body, path: input.path, params: input.params, query: input.query });
  input.onRead?.(info);
  const route = providers.route(info.model, adapter.name);
  if ('reason' in route) {
    throw new ApiErrorException(
      route.reason === 'unknown_model'
        ? apiError('not_found', `model "${info.model}" does not exist or is not served by this gateway`, { code: 'model_not_found' })
        : apiError('not_found', `model "${info.model}" is not available on ${adapter.displayName} (${input.path}); its provider does not accept this API`, { code: 'unsupported_api' }),
    );
  }
  const { params: _p, query: _q, onRead: _o, info: _i, ...init } = input;
  const ctx = new RequestContextImpl({ ...init, requestedModel: info.model, model: route.model, provider: route.provider.info, stream: info.stream });
  return { ctx, provider: route.provider };
}
