/**
 * @tollgate/cli: the `tollgate` command (`start`, `check-config`, `hooks`, `quotas`, `create-plugin`) and
 * the pieces it is built from, for tools that embed them.
 */
export { runCli, COMMANDS } from './cli.js';
export type { Command } from './commands/command.js';
export { CLI_VERSION, CLI_DIR } from './version.js';
export { formatDelivery, type ReceivedDelivery, type FormatOptions } from './hooks/format-delivery.js';
export { formatSpoolStatus } from './hooks/format-spool-status.js';
export { startHookReceiver, ALLOW_REPLY, MAX_DELIVERY_BYTES, type HookReceiver } from './hooks/hook-receiver.js';
export { DEFAULT_RECEIVER_PORT } from './commands/hooks.js';
export { DEFAULT_GATEWAY_URL, formatBuckets } from './commands/quotas.js';
export { scaffoldPlugin, caretRange, templateTokens, PLUGIN_TEMPLATE_DIR, type ScaffoldOptions, type ScaffoldResult } from './scaffold/scaffold-plugin.js';
export { pluginNames, type PluginNames } from './scaffold/plugin-names.js';
