/**
 * __package__: a tollgate plugin that blocks tool calls whose arguments contain configured
 * text, before the call reaches the client. Load it with `"plugins": [["__name__", { ... }]]`.
 */
import { __camel__Plugin } from './plugin.js';

export default __camel__Plugin;
export { __camel__Plugin as plugin, __camel__Plugin, __Name__Plugin } from './plugin.js';
export { __Name__OptionsSchema, type __Name__Options } from './schema.js';
export * from './types.js';
