import { type ConfigIssue, type GatewayConfig, durationMs, pointerSegment } from '@tollgate/core';
import { ContextFactBuilder, contextFactIssues } from './context-facts.js';
import type { OsoOptions } from './schema.js';
import { PLUGIN_NAME } from './types.js';
import { planTelemetry } from './telemetry-plan.js';

const OWNER = `plugins.${PLUGIN_NAME}`;

/** The `groups` section as the grants plugin reads it (`group:NAME` → logins); `{}` when absent or malformed. */
export function groupsOf(config: GatewayConfig): Readonly<Record<string, readonly string[]>> {
  const raw = (config as Record<string, unknown>).groups;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, readonly string[]> = {};
  for (const [name, members] of Object.entries(raw)) if (Array.isArray(members)) out[name] = members.filter((m): m is string => typeof m === 'string');
  return out;
}

/** The `hooks` section as configured (raw: the webhook plugin validates it); `{}` when absent. */
export function hooksOf(config: GatewayConfig): Readonly<Record<string, unknown>> {
  const raw = (config as Record<string, unknown>).hooks;
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/**
 * Semantic checks of the plugin's options beyond the schema: an enforcement key, a positive
 * timeout, known context-fact placeholders, and a telemetry short form that the webhook plugin
 * can carry without clashing with the `hooks` section.
 */
export function osoConfigIssues(options: OsoOptions, config: GatewayConfig, plugins: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const e = options.enforce;
  if (e !== undefined) {
    if ((e.apiKey ?? options.apiKey) === undefined) issues.push({ severity: 'error', path: `${OWNER}/enforce/apiKey`, message: 'is required (or set the plugin\'s "apiKey")', code: 'TG_ERR_PLUGIN_CONFIG' });
    if (durationMs(e.timeout) <= 0) issues.push({ severity: 'error', path: `${OWNER}/enforce/timeout`, message: `must be longer than 0 (got "${e.timeout}")`, code: 'TG_ERR_PLUGIN_CONFIG' });
    for (const issue of contextFactIssues(e.context_facts)) {
      issues.push({ severity: 'error', path: `${OWNER}/enforce/context_facts/${issue.index}`, message: issue.message, code: 'TG_ERR_PLUGIN_CONFIG' });
    }
    if (e.filter_tools && e.filter_method === 'list' && !new ContextFactBuilder(e.context_facts, e.max_context_facts).callIndependent) {
      issues.push({
        severity: 'warning',
        path: `${OWNER}/enforce/filter_method`,
        message: 'context facts that use {resource}, {tool}, {tool_name} or {param.*} cannot be sent with a list; the tool filter leaves them out (use "authorize" to include the tool facts)',
      });
    }
  }
  if (options.apiKey !== undefined && options.telemetry) {
    const plan = planTelemetry(options, hooksOf(config));
    if ('error' in plan) issues.push({ severity: 'error', path: `${OWNER}/${pointerSegment(plan.field)}`, message: plan.error, code: 'TG_ERR_PLUGIN_CONFIG' });
    else {
      if (!plugins.includes('webhook')) {
        issues.push({ severity: 'error', path: OWNER, message: 'telemetry ("apiKey") needs plugin "webhook", which is not loaded (or set "telemetry": false)', code: 'TG_ERR_PLUGIN_DEPENDENCY' });
      }
      if (plan.warning !== undefined) issues.push({ severity: 'warning', path: `${OWNER}/apiKey`, message: plan.warning });
    }
  }
  return issues;
}
