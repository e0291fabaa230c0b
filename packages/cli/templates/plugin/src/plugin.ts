import { type Denial, type PluginCreateContext, type PluginDefinition, type PluginHost, STAGE_GUARDRAIL, type ToolCallContext, type TollgatePlugin, definePlugin, deny } from '@tollgate/core';
import { type __Name__Options, __Name__OptionsSchema } from './schema.js';
import { DENIED_CODE, PLUGIN_NAME } from './types.js';

/** Every string inside a value (arguments are JSON: objects, arrays, strings, numbers...). */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

/** Blocks (or strips) tool calls whose arguments contain one of the configured texts. */
export class __Name__Plugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  readonly #deny: readonly string[];
  readonly #tools: ReadonlySet<string>;
  readonly #action: __Name__Options['action'];
  readonly #log: Pick<PluginCreateContext['logger'], 'info'> | undefined;

  constructor(options: __Name__Options, log?: Pick<PluginCreateContext['logger'], 'info'>) {
    this.#deny = options.deny.map((d) => d.toLowerCase());
    this.#tools = new Set(options.tools);
    this.#action = options.action;
    this.#log = log;
  }

  /** Taps `onToolCall` (only when there is something to deny: an unused hook costs nothing). */
  apply(host: PluginHost): void {
    if (this.#deny.length === 0) return;
    host.hooks.onToolCall.tap({ name: PLUGIN_NAME, stage: STAGE_GUARDRAIL }, (ctx) => this.check(ctx));
  }

  /** The decision for one tool call: a denial, or `undefined` to let it through. */
  check({ call, request }: ToolCallContext): Denial | undefined {
    if (this.#tools.size > 0 && !this.#tools.has(call.name)) return undefined;
    let hit: string | undefined;
    for (const text of strings(call.params)) {
      const lower = text.toLowerCase();
      hit = this.#deny.find((d) => lower.includes(d));
      if (hit !== undefined) break;
    }
    if (hit === undefined) return undefined;
    const reason = `its arguments contain "${hit}"`;
    request.recordDecision({ plugin: PLUGIN_NAME, subject: `tool:${call.name}`, allowed: false, reason });
    this.#log?.info({ tool: call.name, login: request.identity.login, action: this.#action }, 'tool call denied');
    return deny(`tool call "${call.name}" denied by ${PLUGIN_NAME}: ${reason}`, { action: this.#action, code: DENIED_CODE });
  }
}

/** The plugin definition tollgate loads: core validates the options against the schema, then calls `create`. */
export const __camel__Plugin: PluginDefinition<__Name__Options> = definePlugin<__Name__Options>({
  name: PLUGIN_NAME,
  options: __Name__OptionsSchema,
  core: '__core_range__',
  create: (options, { logger }) => new __Name__Plugin(options, logger),
});
