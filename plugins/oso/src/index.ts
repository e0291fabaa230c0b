/**
 * @tollgate/plugin-oso: Oso for tollgate. Oso for Agents telemetry (the seed's `hooks.oso`, or a
 * short form carried by the webhook plugin) and per-tool-call authorization with Oso Cloud's
 * Check API through the official `oso-cloud` SDK.
 */
import { osoPlugin } from './plugin.js';

export default osoPlugin;
export { osoPlugin as plugin, osoPlugin, defineOsoPlugin, OsoPlugin, type OsoPluginContext } from './plugin.js';
export { ToolPolicy, DENIED_CODE, UNAVAILABLE_CODE, type ToolPolicyInit } from './tool-policy.js';
export { OsoChecker, type OsoCheckerInit, type CheckResult, type CheckFailure, type CheckFailureKind } from './oso-checker.js';
export { createOsoClient } from './oso-client.js';
export { boundedFetchBuilder, callBudget, type CallBudget, type SdkFetch } from './bounded-fetch.js';
export { DecisionCache, type DecisionCacheOptions, type CacheSource } from './decision-cache.js';
export { ContextFactBuilder, contextFactIssues, FACT_PLACEHOLDERS, type FactInput, type BuiltFacts } from './context-facts.js';
export { actorOf, entityLabel, isTagged } from './actor-mapping.js';
export { planTelemetry, normalizeUrl, type TelemetryPlan, type TelemetryPlanError } from './telemetry-plan.js';
export { contributeTelemetry, addDecisionsToOsoPayloads, payloadDecisions, OSO_MODEL_REQUEST_PATH, type PayloadDecision } from './telemetry-wiring.js';
export { osoConfigIssues, groupsOf, hooksOf } from './config-check.js';
export {
  OsoOptionsSchema,
  EnforceSchema,
  ActorMappingSchema,
  ContextFactSchema,
  FactArgSchema,
  OSO_MODEL_REQUEST_URL,
  OSO_CLOUD_URL,
  OSO_RECOMMENDED_EVENTS,
  OSO_RECOMMENDED_SEND,
  OSO_FREE_PLAN_CONTEXT_FACTS,
  OSO_FREE_PLAN_CONCURRENCY,
  type OsoOptions,
  type EnforceOptions,
  type ActorMapping,
  type ContextFactTemplate,
  type FactArgTemplate,
} from './schema.js';
export * from './types.js';
