/**
 * @tollgate/plugin-webhook: Aperture's hooks for tollgate. `pre_request` guardrail chains,
 * `entire_request` and `tool_call_entire_request` deliveries with a bounded queue, retries and an
 * on-disk spool, Standard Webhooks signing, and extension hooks for custom receivers.
 */
import { webhookPlugin } from './plugin.js';

export default webhookPlugin;

export { webhookPlugin as plugin, webhookPlugin, defineWebhookPlugin, WebhookPlugin, webhookStats } from './plugin.js';
export { getWebhookHooks, createWebhookHooks } from './extension-hooks.js';
export { contributeToWebhook, type WebhookContribution } from './contributions.js';
export { hookConfigIssues } from './warnings.js';
export { authHeaders } from './auth-headers.js';
export { deliveryId } from './delivery-id.js';
export { createSigner, decodeSigningSecret, type Signer } from './signer.js';
export { readGuardrailReply, DEFAULT_BLOCK_MESSAGE, DEFAULT_BLOCK_STATUS, type GuardrailVerdict } from './guardrail-reply.js';
export { classifyStatus, parseRetryAfter, retryDelay, type RetryTiming, type OutcomeClass } from './retry-policy.js';
export { HttpTransport, sharedHookDispatcher } from './http-transport.js';
export { readWebhookSpool, type SpoolStatus, type SpoolHookStatus, type SpoolProcessStatus } from './spool/inspect-spool.js';
export {
  HooksSchema,
  HookEndpointSchema,
  HookAuthorizationSchema,
  WebhookOptionsSchema,
  SpoolOptionsSchema,
  DeliveryOptionsSchema,
  type HookEndpointConfig,
  type HooksConfig,
  type HookAuthorization,
  type WebhookOptions,
  type SpoolOptions,
  type DeliveryOptions,
  type FsyncPolicy,
} from './schema.js';
export * from './types.js';
