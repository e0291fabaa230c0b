/**
 * __package__: a tollgate plugin that blocks tool calls whose arguments contain configured
 * text, before the call reaches the client. Load it with `"plugins": [["__name__", { ... }]]`.
 */
import { type PluginDefinition, definePlugin } from '@tollgate/core';
import { PLUGIN_NAME, __Name__Plugin } from './plugin.js';
import { type __Name__Options, __Name__OptionsSchema } from './schema.js';

/** The plugin definition tollgate loads: core validates the options against the schema, then calls `create`. */
export const __camel__Plugin: PluginDefinition<__Name__Options> = definePlugin<__Name__Options>({
  name: PLUGIN_NAME,
  options: __Name__OptionsSchema,
  core: '__core_range__',
  create: (options, { logger }) => new __Name__Plugin(options, logger),
});

export default __camel__Plugin;
export { __Name__Plugin, PLUGIN_NAME, DENIED_CODE } from './plugin.js';
export { __Name__OptionsSchema, type __Name__Options } from './schema.js';
