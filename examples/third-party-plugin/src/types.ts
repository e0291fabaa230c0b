/** The plugin's name: config key, tap name, log binding, decision source. */
export const PLUGIN_NAME = 'tool-allowlist';

/** Error code a client sees for a refused tool call. */
export const NOT_ALLOWED_CODE = 'tool_not_allowed';
