/**
 * @tollgate/plugin-grants: Aperture's `grants` for tollgate: roles, model access, `add_headers`,
 * `send_hooks` wiring and the per-request effective capabilities other plugins read.
 */
import { grantsPlugin } from './plugin.js';

export default grantsPlugin;
export { grantsPlugin as plugin, grantsPlugin, GrantsPlugin, NO_ROLE_MESSAGE, NO_ROLE_CODE, type GrantsPluginConfig } from './plugin.js';
export { compileModelGlob, providerSegmentMatcher } from './model-glob.js';
export { compileSrc, srcMatches, callerKey, normalizeTagSet, SRC_EVERYONE, SRC_LOOPBACK, GROUP_PREFIX, TAG_PREFIX, type SrcMatcher, type CallerKey } from './src-matcher.js';
export { grantWarnings, HOOK_EVENTS, HOOK_SEND_VALUES, type GrantWarningsInput } from './grant-warnings.js';
export {
  APERTURE_CAPABILITY,
  GrantsSchema,
  GrantSchema,
  GrantAppSchema,
  CapabilitySchema,
  SendHookSchema,
  QuotaRefSchema,
  GroupsSchema,
  type GrantsConfig,
  type GrantConfig,
  type CapabilityConfig,
  type SendHookConfig,
  type GroupsConfig,
} from './schema.js';
export * from './types.js';
