/**
 * tollgate-plugin-tool-allowlist: per-user tool allowlists and denylists with glob patterns for
 * tollgate. Every tool call a model makes is checked before it reaches the agent; refused calls
 * are blocked or stripped, and refused tools can be removed from the request up front.
 */
import { type ConfigIssue, type GatewayConfig, type PluginDefinition, definePlugin } from '@tollgate/core';
import { PLUGIN_NAME, ToolAllowlistPlugin } from './plugin.js';
import { type ToolAllowlistOptions, ToolAllowlistOptionsSchema } from './schema.js';

/** The config's `groups` section (`group:NAME` → logins), as the grants plugin reads it; `{}` when absent. */
export function groupsOf(config: GatewayConfig): Readonly<Record<string, readonly string[]>> {
  const raw = (config as Record<string, unknown>).groups;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([name, members]) => [name, Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : []]));
}

/** Checks beyond the schema: every rule names tools; a policy that allows everything is a warning. */
export function optionIssues(options: ToolAllowlistOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  options.rules.forEach((rule, i) => {
    if ((rule.allow?.length ?? 0) === 0 && (rule.deny?.length ?? 0) === 0) {
      issues.push({ severity: 'error', path: `plugins.${PLUGIN_NAME}/rules/${i}`, message: 'a rule needs "allow" or "deny" tool globs', code: 'TG_ERR_PLUGIN_CONFIG' });
    }
  });
  if (options.rules.length === 0 && options.default === 'allow') {
    issues.push({ severity: 'warning', path: `plugins.${PLUGIN_NAME}`, message: 'no rules and default "allow": every tool call is allowed' });
  }
  return issues;
}

/** The plugin definition tollgate loads for `"tool-allowlist"`. */
export const toolAllowlistPlugin: PluginDefinition<ToolAllowlistOptions> = definePlugin<ToolAllowlistOptions>({
  name: PLUGIN_NAME,
  options: ToolAllowlistOptionsSchema,
  core: '^0.1.0',
  check: ({ options }) => optionIssues(options),
  create: (options, { config, logger }) => new ToolAllowlistPlugin(options, { groups: groupsOf(config), log: logger }),
});

export default toolAllowlistPlugin;
export { ToolAllowlistPlugin, PLUGIN_NAME, NOT_ALLOWED_CODE } from './plugin.js';
export { ToolPolicy, compileToolGlob, userMatches, type ToolVerdict } from './tool-policy.js';
export { ToolAllowlistOptionsSchema, ToolRuleSchema, type ToolAllowlistOptions, type ToolRule } from './schema.js';
