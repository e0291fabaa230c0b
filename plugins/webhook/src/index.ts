/**
 * @tollgate/plugin-webhook: Aperture's hooks for tollgate. `pre_request` guardrail chains,
 * `entire_request` and `tool_call_entire_request` deliveries with a bounded queue, retries and an
 * on-disk spool, Standard Webhooks signing, and extension hooks for custom receivers.
 */
import { type PluginDefinition, definePlugin } from '@tollgate/core';
import { WebhookPlugin, PLUGIN_NAME } from './plugin.js';
import { HooksSchema, type HooksConfig, type WebhookOptions, WebhookOptionsSchema } from './schema.js';
import type { WebhookPluginDeps } from './types.js';
import { hookConfigIssues } from './warnings.js';

/**
 * The webhook plugin definition with injected dependencies (an undici dispatcher, for a proxy or a
 * test double; a clock), for programmatic use: `createGateway({ plugins: ['grants',
 * defineWebhookPlugin({ dispatcher })] })`. Config, options and checks are those of the default.
 */
export function defineWebhookPlugin(deps: WebhookPluginDeps = {}): PluginDefinition<WebhookOptions> {
  return definePlugin<WebhookOptions>({
    name: PLUGIN_NAME,
    options: WebhookOptionsSchema,
    sections: { hooks: HooksSchema },
    core: '^0.1.0',
    check: ({ sections, plugins }) => hookConfigIssues(sections.hooks as HooksConfig, plugins),
    create: (options, { sections }) => new WebhookPlugin(sections.hooks as HooksConfig, options, deps),
  });
}

/**
 * The plugin definition core loads (`"plugins": ["webhook"]`, or by default). Owns the `hooks`
 * section; options: `spool` and `delivery` (see the README).
 */
export const webhookPlugin: PluginDefinition<WebhookOptions> = defineWebhookPlugin();

export default webhookPlugin;

export { WebhookPlugin, PLUGIN_NAME, webhookStats } from './plugin.js';
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
