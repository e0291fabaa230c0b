import { type Denial, type PluginCreateContext, type PluginDefinition, type PluginHost, STAGE_GUARDRAIL, type ToolCallContext, type TollgatePlugin, definePlugin, deny } from '@tollgate/core';
import { type __Name__Options, __Name__OptionsSchema } from './schema.js';
import { DENIED_CODE, PLUGIN_NAME } from './types.js';

/**
 * Every text inside a call's arguments, as the client will use them. `call.params` are already
 * parsed the way the client parses them (JSON escapes such as `\u0072m` decoded; core refuses
 * arguments it cannot parse before any tap sees them), so match values, never raw argument text.
 * An array of strings is also read as one command line (`["rm", "-rf", "/"]` is how the
 * Responses API's `local_shell` tool sends `rm -rf /`).
 */
function* texts(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string')) yield value.join(' ');
    for (const v of value) yield* texts(v);
  } else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) yield* texts(v);
}

/** Lower case, every run of whitespace one space: `RM   -RF` and `rm\t-rf` both read `rm -rf`. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
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
    this.#deny = options.deny.map(normalise);
    this.#tools = new Set(options.tools);
    this.#action = options.action;
    this.#log = log;
  }

  /** Taps `onToolCall` (only when there is something to deny: an unused hook costs nothing). */
  apply(host: PluginHost): void {
    if (this.#deny.length === 0) return;
    host.hooks.onToolCall.tap({ name: PLUGIN_NAME, stage: STAGE_GUARDRAIL }, (ctx) => this.check(ctx));
  }

  /**
   * The decision for one tool call of any kind (`call.kind`: a function, a custom tool, or a
   * built-in client tool such as `local_shell` or `apply_patch`): a denial, or `undefined` to let
   * it through.
   */
  check({ call, request }: ToolCallContext): Denial | undefined {
    if (this.#tools.size > 0 && !this.#tools.has(call.name)) return undefined;
    let hit: string | undefined;
    for (const text of texts(call.params)) {
      const value = normalise(text);
      hit = this.#deny.find((d) => value.includes(d));
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
