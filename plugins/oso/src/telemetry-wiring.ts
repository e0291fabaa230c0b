import type { Decision, HookWiring, PluginHost } from '@tollgate/core';
import { type SrcMatcher, callerKey, srcMatches } from '@tollgate/plugin-grants';
import { contributeToWebhook, getWebhookHooks } from '@tollgate/plugin-webhook';
import type { OsoOptions } from './schema.js';
import { normalizeUrl, type TelemetryPlan } from './telemetry-plan.js';
import { PLUGIN_NAME } from './types.js';

/** The path of Oso for Agents' telemetry endpoint. */
export const OSO_MODEL_REQUEST_PATH = '/api/agents/v1/model-request';

/**
 * Carries the short form through the webhook plugin's extension hooks: adds the Oso endpoint
 * (unless a `hooks` entry already posts to the same URL) and a wiring that fires it, with the
 * configured events and send list, for the callers `users` matches. Deliveries then go through the
 * webhook plugin's queue, retries and spool like any hook's. (The configuration check refuses
 * telemetry without the webhook plugin.)
 */
export function contributeTelemetry(host: PluginHost, plan: TelemetryPlan, options: OsoOptions, users: SrcMatcher): void {
  const wiring: HookWiring = Object.freeze({ name: plan.hookName, events: new Set(options.events), send: new Set(options.send) });
  const wired: readonly HookWiring[] = [wiring];
  contributeToWebhook(host, {
    plugin: PLUGIN_NAME,
    ...(plan.endpoint === undefined ? {} : { endpoints: { [plan.hookName]: plan.endpoint } }),
    wire: (subject) => (subject.identity !== undefined && srcMatches(users, callerKey(subject.identity)) ? wired : undefined),
  });
}

/** A decision as telemetry payloads carry it (snake_case, like the rest of `HookCallData`). */
export interface PayloadDecision {
  /** The plugin that decided. */
  readonly plugin: string;
  /** What was decided about (`model`, `tools`, `tool:<name>`). */
  readonly subject: string;
  /** The verdict. */
  readonly allowed: boolean;
  /** Why. */
  readonly reason?: string;
  /** How long the decision took (ms). */
  readonly duration_ms?: number;
  /** Extra facts. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The exchange's decisions in payload form. */
export function payloadDecisions(decisions: readonly Decision[]): PayloadDecision[] {
  return decisions.map((d) => ({
    plugin: d.plugin,
    subject: d.subject,
    allowed: d.allowed,
    ...(d.reason === undefined ? {} : { reason: d.reason }),
    ...(d.durationMs === undefined ? {} : { duration_ms: Math.round(d.durationMs * 1000) / 1000 }),
    ...(d.data === undefined ? {} : { data: d.data }),
  }));
}

/**
 * Adds `authorization_decisions` (every decision recorded in the exchange: grants, Oso, guardrails)
 * to the post-response payloads sent to Oso: the short form's hook and any hook posting to Oso's
 * telemetry path. Other receivers get the standard payload (through the webhook plugin's
 * `shapePayload` hook; without the webhook plugin nothing is sent at all).
 */
export function addDecisionsToOsoPayloads(host: PluginHost, hooks: Readonly<Record<string, unknown>>, plan: TelemetryPlan | undefined): void {
  const extension = getWebhookHooks(host);
  const osoHooks = new Set<string>(plan === undefined ? [] : [plan.hookName]);
  for (const [name, h] of Object.entries(hooks)) {
    const url = (h as { url?: unknown } | null)?.url;
    if (typeof url === 'string' && normalizeUrl(url).split('?')[0]?.endsWith(OSO_MODEL_REQUEST_PATH)) osoHooks.add(name);
  }
  if (osoHooks.size === 0) return;
  extension.shapePayload.tap(PLUGIN_NAME, (body, context) => {
    if (!osoHooks.has(context.hook.name) || context.exchange === undefined || context.exchange.decisions.length === 0) return body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    return { ...(body as Record<string, unknown>), authorization_decisions: payloadDecisions(context.exchange.decisions) };
  });
}
