/** The plugin's name: config key, tap name and log binding. */
export const PLUGIN_NAME = '__name__';

/** Error code clients see on a denied tool call. */
export const DENIED_CODE = 'tool_call_denied';
