/**
 * @tollgate/core: the gateway, its typed hooks, the plugin contract, configuration, API
 * formats and identity. See the package README for usage.
 */
export { Gateway, createGateway, type CreateGatewayOptions, type ListenOptions, type ReloadResult } from './gateway/gateway.js';
export { Runtime, type RuntimeDeps } from './gateway/runtime.js';
export { TollgateError, PluginHookError, errorMessage, type TollgateErrorCode, type TollgateErrorOptions } from './errors.js';
export { CORE_VERSION } from './version.js';

export { createHooks, HOOK_NAMES, type ObserverTapOptions, type TollgateHooks, type ModelEntry, type ModelsContext, type ReadyContext } from './hooks/create-hooks.js';
export { STAGE_AUTHENTICATE, STAGE_AUTHORIZE, STAGE_GUARDRAIL, STAGE_DEFAULT, STAGE_OBSERVE, STAGE_FALLBACK } from './hooks/stages.js';
export { interceptTaps, type TapStats, type TapStatsTable } from './hooks/tap-interceptor.js';

export { definePlugin, isPluginDefinition, isPluginInstance, type TollgatePlugin, type PluginDefinition, type PluginHost, type PluginCreateContext, type PluginCheckContext } from './plugins/plugin.js';
export { importPlugin, pluginPackageCandidates, type ImportedPlugin, type ResolvePluginOptions } from './plugins/resolve-plugin.js';

export { type ApiError, type ApiErrorKind, ApiErrorException, apiError } from './types/api-error.js';
export { type Denial, type ToolCallAction, deny } from './types/denial.js';
export { type Decision } from './types/decision.js';
export { type Exchange, type ExchangeTimings, type ResponseParts } from './types/exchange.js';
export { type Identity, type IdentifyInput, createIdentity } from './types/identity.js';
export { type RequestContext, type ToolCallContext, type JsonObject } from './types/request-context.js';
export { type StateKey, type StateBag, MapStateBag, createStateKey } from './types/state-key.js';
export { type ToolCall, type DeclaredTool, type Usage, type ToolCallDecision, emptyUsage } from './types/tool-call.js';

export { type ConfigIssue, ConfigError, formatIssue, hasErrors, issuePath, pointerSegment } from './config/config-issue.js';
export { prepareConfig, DEFAULT_PLUGINS, type PrepareConfigOptions, type PreparedConfig, type PreparedPlugin, type PluginInput } from './config/prepare-config.js';
export { loadConfigFile, type LoadedConfigFile } from './config/load-config-file.js';
export { parseHujson, type HujsonResult } from './config/hujson.js';
export { parseDuration, durationMs } from './config/duration.js';
export { validateSection, compileSchema, applyDefaults, WARN_UNKNOWN, type SectionResult } from './config/validate-section.js';
export { SecretRegistry } from './config/secret-registry.js';
export { resolveDataDir, DATA_DIR_ENV } from './config/data-dir.js';
export { defaultConfig, DEFAULT_MOCK_MODELS } from './config/default-config.js';
export { type GatewayConfig } from './config/gateway-config.js';
export {
  CORE_SECTIONS,
  DURATION_PATTERN,
  duration,
  byteSize,
  byteSizeValue,
  ProviderSchema,
  ProvidersSchema,
  type ProviderConfig,
  type ListenConfig,
  type LimitsConfig,
  type IdentityConfig,
  type LoggingConfig,
  type PluginEntry,
} from './config/core-schema.js';

export { createLogger, REDACT_PATHS, type CreateLoggerOptions } from './logging/create-logger.js';

export type { FormatAdapter, FormatRequestInput, RequestInfo, UpstreamPathInput, ResponseInfo, StrippedCall, CompletedCall, StreamEventInfo, AssembledResponse, StreamAssembler, StreamAssemblerOptions } from './formats/format-adapter.js';
export { FormatRegistry } from './formats/format-registry.js';
export { BUILTIN_FORMATS } from './formats/builtin-formats.js';
export { openAiChatFormat, openAiErrorBody, OPENAI_ERROR_TYPES } from './formats/openai-chat/openai-chat-adapter.js';
export { parseToolArguments, strippedCallNote } from './formats/tool-arguments.js';
export { contentText, asObject, asArray } from './formats/content-text.js';
export { openAiResponsesFormat } from './formats/openai-responses/openai-responses-adapter.js';
export { OpenAiResponsesStreamAssembler } from './formats/openai-responses/openai-responses-stream.js';
export { openAiResponsesToolCalls, openAiResponsesUsage, stripOpenAiResponsesToolCalls, RESPONSES_CALL_ITEMS } from './formats/openai-responses/openai-responses-response.js';
export { anthropicMessagesFormat, anthropicErrorBody, ANTHROPIC_ERROR_TYPES } from './formats/anthropic-messages/anthropic-messages-adapter.js';
export { AnthropicMessagesStreamAssembler } from './formats/anthropic-messages/anthropic-messages-stream.js';
export { anthropicToolCalls, anthropicUsage, stripAnthropicToolCalls } from './formats/anthropic-messages/anthropic-messages-response.js';
export { geminiFormat, geminiErrorBody, GEMINI_ERROR_STATUSES } from './formats/gemini/gemini-adapter.js';
export { GeminiStreamAssembler } from './formats/gemini/gemini-stream.js';
export { GeminiReassembler, geminiCallId, type GeminiCallState, type GeminiChunkInfo, type GeminiPartRef } from './formats/gemini/gemini-reassembler.js';
export { geminiUsage, readGeminiResponse, stripGeminiToolCalls } from './formats/gemini/gemini-response.js';
export { parseGeminiTarget, isSafeGeminiModel, type GeminiTarget } from './formats/gemini/gemini-path.js';
export { applyPartialArgs, parseArgPath } from './formats/gemini/gemini-partial-args.js';

export { type SseEvent, createSseEvent, formatSseEvent, sseJson } from './sse/sse-event.js';
export { SseFramer, SseEventTooLargeError, type SseFramerOptions } from './sse/sse-framer.js';

export { ProviderRegistry, ENDPOINT_OF_FORMAT, type ResolvedProvider, type RouteResult, type RouteFailure, type UpstreamFactory } from './providers/provider-registry.js';
export type { Upstream, UpstreamRequest, UpstreamResponse } from './providers/upstream.js';
export { HttpUpstream, type HttpUpstreamOptions } from './providers/http-upstream.js';
export { MockUpstream } from './providers/mock/mock-upstream.js';
export { registerMockRenderer, mockRenderer, type MockRenderer, type MockRenderContext } from './providers/mock/mock-renderers.js';
export { planMockResponse, mockArguments, chunkText, MOCK_CREATED, type MockPlan, type MockToolCall } from './providers/mock/mock-plan.js';
export { joinUpstreamPath } from './providers/upstream-url.js';
export { parseHeaderLines, isSafeHeader } from './providers/header-lines.js';
export { buildUpstreamHeaders, clientResponseHeaders, providerAuthHeader } from './providers/upstream-headers.js';

export { clientCredential, CREDENTIAL_HEADERS } from './identity/client-credential.js';
export { isLoopbackAddress, normalizeAddress, LOOPBACK_LOGIN } from './identity/loopback.js';
export { ApiKeyResolver } from './identity/builtin-resolvers.js';
export { CLIENT_CLOSED_STATUS } from './pipeline/handle-llm-request.js';
export { SESSION_HEADERS, sessionIdOf } from './pipeline/session-id.js';

/** Pipeline pieces exported for test harnesses (`@tollgate/testing`) and custom servers. */
export { RequestContextImpl, type RequestContextInit } from './pipeline/request-context-impl.js';
export { RequestAbort } from './pipeline/request-abort.js';
export { ExchangeDraft } from './pipeline/exchange-draft.js';
export { decideToolCall, type DecidedToolCall } from './pipeline/decide-tool-call.js';
