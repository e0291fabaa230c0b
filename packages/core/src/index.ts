/**
 * @tollgate/core: the gateway and the contract a plugin author needs: hooks and their stages, the
 * plugin definition and host, the request, tool-call and exchange types, identity, capabilities,
 * the route extension point, errors and configuration helpers.
 *
 * API format adapters, stream assemblers and SSE framing live in `@tollgate/core/formats`; the
 * pipeline's building blocks (runtimes, request contexts, upstreams), which test harnesses and
 * custom servers use, in `@tollgate/core/internal`.
 */
export { Gateway, createGateway, type CreateGatewayOptions, type ListenOptions, type ReloadResult } from './gateway/gateway.js';
export { TollgateError, PluginHookError, errorMessage, type TollgateErrorCode, type TollgateErrorOptions } from './errors.js';
export { CORE_VERSION } from './version.js';

export { createHooks, HOOK_NAMES, type ObserverTapOptions, type TollgateHooks, type ReadyContext } from './hooks/create-hooks.js';
export { STAGE_AUTHENTICATE, STAGE_AUTHORIZE, STAGE_GUARDRAIL, STAGE_DEFAULT, STAGE_OBSERVE, STAGE_FALLBACK } from './hooks/stages.js';

export { definePlugin, type TollgatePlugin, type PluginDefinition, type PluginHost, type PluginCreateContext, type PluginCheckContext } from './plugins/plugin.js';
export type { RouteDefinition, RouteContext, RouteState, RouteAccess, RouteRegistry, HttpMethod } from './http/route-definition.js';

export { type ApiError, type ApiErrorKind, ApiErrorException, apiError } from './types/api-error.js';
export { refuse } from './pipeline/denial-error.js';
export { type Denial, type ToolCallAction, deny } from './types/denial.js';
export { type Decision } from './types/decision.js';
export { type Exchange, type ExchangeTimings, type ResponseParts } from './types/exchange.js';
export { type Identity, type IdentifyInput, createIdentity } from './types/identity.js';
export { type RequestContext, type ToolCallContext } from './types/request-context.js';
export type { JsonObject } from './types/json.js';
export type { ModelDescription, ModelEntry, ModelPricing, ModelsContext } from './types/model-entry.js';
export type { ProviderInfo, ProviderRef } from './types/provider-info.js';
export type { ProviderCatalog, ProviderSummary } from './providers/provider-registry.js';
export { type StateKey, type StateBag, createStateKey } from './types/state-key.js';
export { type ToolCall, type ToolCallKind, type DeclaredTool, type Usage, type ToolCallDecision, emptyUsage } from './types/tool-call.js';
export { type ComponentHealth, type HealthReport, collectHealth } from './types/health.js';
export { type StrippedCallStore, type RememberedStrip, MemoryStrippedCallStore, DEFAULT_STRIPPED_CALL_MEMORY } from './pipeline/stripped-call-store.js';
export { ESTIMATED_COST, QUOTA_BALANCES, type EstimatedCost, type QuotaBalance } from './types/cost.js';
export {
  CAPABILITIES,
  NO_ACCESS,
  capabilitiesOf,
  type AccessContext,
  type CallerAccess,
  type EffectiveCapabilities,
  type HookWiring,
  type Role,
} from './types/capabilities.js';

export { type ConfigIssue, ConfigError, dottedPath, formatIssue, hasErrors, issueLocation, issuePath, pointerSegment } from './config/config-issue.js';
export { prepareConfig, DEFAULT_PLUGINS, type PrepareConfigOptions, type PreparedConfig, type PreparedPlugin, type PluginInput } from './config/prepare-config.js';
export { configChanges, summarizeChanges, type ConfigChanges, type NameChanges } from './config/config-changes.js';
export { loadConfigFile, type LoadedConfigFile } from './config/load-config-file.js';
export { parseDuration, durationMs } from './config/duration.js';
export { validateSection, WARN_UNKNOWN, type SectionResult } from './config/validate-section.js';
export { SecretRegistry } from './config/secret-registry.js';
export { resolveDataDir, DATA_DIR_ENV } from './config/data-dir.js';
export { defaultConfig, DEFAULT_MOCK_MODELS } from './config/default-config.js';
export { type GatewayConfig } from './config/gateway-config.js';
export { duration, byteSize, byteSizeValue, type ProviderConfig, type ModelCostMapEntryConfig, type ListenConfig, type LimitsConfig, type IdentityConfig, type LoggingConfig, type PluginEntry } from './config/core-schema.js';
export { closestMatch, didYouMean } from './text/did-you-mean.js';
export { parseHeaderLines, headerLineProblem } from './providers/header-lines.js';
export {
  mkdirPrivate,
  openPrivate,
  writeFilePrivate,
  appendFilePrivate,
  writeFileAtomicPrivate,
  tightenPrivate,
  formatMode,
  PRIVATE_FILE_MODE,
  PRIVATE_DIR_MODE,
} from './fs/private-fs.js';
export { createLogger, defaultLogFormat, REDACT_PATHS, type CreateLoggerOptions, type LogFormat } from './logging/create-logger.js';
