/**
 * @tollgate/core/internal: the pipeline's building blocks, for test harnesses (`@tollgate/testing`)
 * and custom servers. No stability promise: plugins use the package root.
 */
export { Runtime, defaultUpstreamFactory, type RuntimeDeps } from './gateway/runtime.js';
export { interceptTaps, type TapStats, type TapStatsTable } from './hooks/tap-interceptor.js';
export { isPluginDefinition, isPluginInstance } from './plugins/plugin.js';
export { importPlugin, pluginPackageCandidates, type ImportedPlugin, type ResolvePluginOptions } from './plugins/resolve-plugin.js';
export { parseHujson, type HujsonResult } from './config/hujson.js';
export { compileSchema, applyDefaults } from './config/validate-section.js';
export { CORE_SECTIONS, DURATION_PATTERN, ModelCostMapEntrySchema, ProviderSchema, ProvidersSchema } from './config/core-schema.js';
export { ProviderRegistry, modelEntry, type ResolvedProvider, type RouteResult, type RouteFailure, type UpstreamFactory } from './providers/provider-registry.js';
export type { Upstream, UpstreamRequest, UpstreamResponse } from './providers/upstream.js';
export { HttpUpstream, type HttpUpstreamOptions } from './providers/http-upstream.js';
export { MockUpstream } from './providers/mock/mock-upstream.js';
export { joinUpstreamPath } from './providers/upstream-url.js';
export { isSafeHeader } from './providers/header-lines.js';
export { buildUpstreamHeaders, clientResponseHeaders, connectionListed, providerAuthHeader } from './providers/upstream-headers.js';
export { clientCredential, CREDENTIAL_HEADERS } from './identity/client-credential.js';
export { isLoopbackAddress, isLoopbackHost, normalizeAddress, loopbackExposedMessage, FORWARDING_HEADERS, LOOPBACK_LOGIN } from './identity/loopback.js';
export { ApiKeyResolver, FORWARDED_LOOPBACK_MESSAGE, UNKNOWN_KEY_MESSAGE } from './identity/builtin-resolvers.js';
export { CLIENT_CLOSED_STATUS, serveLlmRequest, type LlmRequestTarget, type PipelineRuntime, type RuntimeLimits } from './pipeline/llm-request.js';
export { SESSION_HEADERS, sessionIdOf } from './pipeline/session-id.js';
export { RequestContextImpl, type RequestContextInit } from './pipeline/request-context-impl.js';
export { routeRequest, type RouteRequestInput, type RoutedRequest } from './pipeline/route-request.js';
export { RequestAbort } from './pipeline/request-abort.js';
export { ExchangeDraft } from './pipeline/exchange-draft.js';
export { decideToolCall, type DecidedToolCall } from './pipeline/decide-tool-call.js';
export { toApiError } from './pipeline/to-api-error.js';
export { denialError } from './pipeline/denial-error.js';
export { MapStateBag } from './types/state-key.js';
export { RouteTable, PluginRoutes, type HttpRoute, type RouteSummary, type LlmServer, type LlmTarget } from './http/route-table.js';
export { PROBLEM_ENVELOPE } from './http/problem-envelope.js';
export { ConfigSecrets, REDACTED_PREFIX } from './admin/config-secrets.js';
export { SecretRedactor, StreamRedactor, redactedChunks, REDACTED } from './secrets/secret-redactor.js';
