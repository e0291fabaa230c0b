/**
 * tollgate-plugin-tool-allowlist: per-user tool allowlists and denylists with glob patterns for
 * tollgate. Every tool call a model makes is checked before it reaches the agent; refused calls
 * are blocked or stripped, and refused tools can be removed from the request up front.
 */
import { toolAllowlistPlugin } from './plugin.js';

export default toolAllowlistPlugin;
export { toolAllowlistPlugin as plugin, toolAllowlistPlugin, ToolAllowlistPlugin, groupsOf, optionIssues } from './plugin.js';
export { ToolPolicy, compileToolGlob, userMatches, type ToolVerdict } from './tool-policy.js';
export { ToolAllowlistOptionsSchema, ToolRuleSchema, type ToolAllowlistOptions, type ToolRule } from './schema.js';
export * from './types.js';
