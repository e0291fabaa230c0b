import {
  type ConfigIssue,
  type Denial,
  type GatewayConfig,
  type PluginCreateContext,
  type PluginDefinition,
  type PluginHost,
  type RequestContext,
  STAGE_GUARDRAIL,
  type ToolCallContext,
  type TollgatePlugin,
  definePlugin,
  deny,
} from '@tollgate/core';
import { type ToolAllowlistOptions, ToolAllowlistOptionsSchema } from './schema.js';
import { ToolPolicy } from './tool-policy.js';
import { NOT_ALLOWED_CODE, PLUGIN_NAME } from './types.js';

/** Enforces per-user tool allowlists and denylists on every tool call (and, optionally, on the tools a request declares). */
export class ToolAllowlistPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  readonly #policy: ToolPolicy;
  readonly #options: ToolAllowlistOptions;
  readonly #log: Pick<PluginCreateContext['logger'], 'info'> | undefined;

  constructor(options: ToolAllowlistOptions, deps: { groups?: Readonly<Record<string, readonly string[]>>; log?: Pick<PluginCreateContext['logger'], 'info'> } = {}) {
    this.#options = options;
    this.#policy = new ToolPolicy(options, deps.groups);
    this.#log = deps.log;
  }

  /** The compiled policy (for tools and tests). */
  get policy(): ToolPolicy {
    return this.#policy;
  }

  /** Taps `onToolCall`, and `onRequest` when `filter_tools` is on. Nothing is tapped without rules and with `default: "allow"`. */
  apply(host: PluginHost): void {
    if (this.#options.rules.length === 0 && this.#options.default === 'allow') return;
    host.hooks.onToolCall.tap({ name: PLUGIN_NAME, stage: STAGE_GUARDRAIL }, (ctx) => this.checkCall(ctx));
    if (this.#options.filter_tools) host.hooks.onRequest.tap({ name: PLUGIN_NAME, stage: STAGE_GUARDRAIL }, (ctx) => this.filterTools(ctx));
  }

  /** `onToolCall`: a denial for a tool the caller may not call. */
  checkCall({ call, request }: ToolCallContext): Denial | undefined {
    const started = performance.now();
    const verdict = this.#policy.decide(request.identity, call.name);
    request.recordDecision({ plugin: PLUGIN_NAME, subject: `tool:${call.name}`, allowed: verdict.allowed, reason: verdict.reason, durationMs: performance.now() - started });
    if (verdict.allowed) return undefined;
    this.#log?.info({ tool: call.name, login: request.identity.login, rule: verdict.rule, action: this.#options.action }, 'tool call refused');
    return deny(`tool "${call.name}" is not allowed for ${request.identity.login} (${verdict.reason})`, { action: this.#options.action, code: NOT_ALLOWED_CODE });
  }

  /** `onRequest` with `filter_tools`: removes the declared tools the caller may not call. Never refuses the request. */
  filterTools(ctx: RequestContext): undefined {
    const removed = ctx.tools.filter((tool) => !this.#policy.decide(ctx.identity, tool.name).allowed).map((tool) => tool.name);
    if (removed.length === 0) return undefined;
    const drop = new Set(removed);
    ctx.filterTools((tool) => !drop.has(tool.name));
    ctx.recordDecision({ plugin: PLUGIN_NAME, subject: 'tools', allowed: true, reason: `removed ${removed.join(', ')}`, data: { removed } });
    return undefined;
  }
}

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
