import { type ConfigIssue, type ProviderConfig, headerLineProblem, issuePath, parseHeaderLines, pointerSegment } from '@tollgate/core';
import { providerSegmentMatcher } from './model-glob.js';
import { APERTURE_CAPABILITY, type CapabilityConfig, type GrantsConfig, type GroupsConfig } from './schema.js';
import { GROUP_PREFIX, TAG_PREFIX } from './src-matcher.js';
import type { HookEvent, HookSendValue } from './types.js';

/** Hook events Aperture defines. */
export const HOOK_EVENTS: readonly HookEvent[] = ['pre_request', 'entire_request', 'tool_call_entire_request'];
/** Send values Aperture defines. */
export const HOOK_SEND_VALUES: readonly HookSendValue[] = ['user_message', 'request_body', 'response_body', 'raw_responses', 'tools', 'estimated_cost', 'grants', 'quotas'];
/** Templates a quota bucket reference may use. */
const BUCKET_TEMPLATES = new Set(['<user>', '<node>']);

/** What {@link grantWarnings} checks. */
export interface GrantWarningsInput {
  /** Issue path prefix (`plugins.grants`). */
  readonly owner: string;
  /** The validated `grants` section. */
  readonly grants: GrantsConfig;
  /** The validated `groups` section. */
  readonly groups: GroupsConfig;
  /** The validated `providers` section. */
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  /** The raw `hooks` section, if any. */
  readonly hooks: unknown;
  /** The raw `quotas` section, if any. */
  readonly quotas: unknown;
}

function keysOf(section: unknown): ReadonlySet<string> {
  return new Set(section !== null && typeof section === 'object' && !Array.isArray(section) ? Object.keys(section) : []);
}

function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${pointerSegment(s)}`).join('');
}

/**
 * Aperture's load-time grant warnings, with Aperture's texts (`send_hooks references undefined
 * hook "x"`, `models pattern "p" references provider "q" which does not match any declared
 * provider`, no admin grant, providers without grants, malformed `add_headers`, undefined quota
 * buckets), plus tollgate's own: unknown hook events and send values, hooks that never fire,
 * malformed tag combinations, look-alike Tailscale capability names, and `groups` names.
 * Unknown capability fields are reported by the schema (`unknown config key "x"`).
 */
export function grantWarnings(input: GrantWarningsInput): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const warn = (ptr: string, message: string): void => void out.push({ severity: 'warning', path: issuePath(input.owner, ptr), message });
  const hookNames = keysOf(input.hooks);
  const quotaNames = keysOf(input.quotas);
  const providerIds = Object.keys(input.providers);
  let admin = false;

  for (const [name, members] of Object.entries(input.groups)) {
    if (!name.startsWith(GROUP_PREFIX) || name.length === GROUP_PREFIX.length) {
      out.push({ severity: 'error', path: issuePath(input.owner, pointer('groups', name)), message: name === GROUP_PREFIX ? 'a group name needs a name after "group:"' : `group names start with "group:" (write "group:${name}")` });
    }
    members.forEach((member, i) => {
      if (member.startsWith(GROUP_PREFIX)) warn(pointer('groups', name, i), `"${member}": groups cannot contain groups; this member never matches`);
    });
  }

  input.grants.forEach((grant, g) => {
    grant.src.forEach((entry, s) => {
      if (entry.startsWith(TAG_PREFIX) && entry.split(',').some((t) => !t.trim().startsWith(TAG_PREFIX) || t.trim().length === TAG_PREFIX.length)) {
        warn(pointer('grants', g, 'src', s), `"${entry}" is not a valid tag or tag combination (expected "tag:a" or "tag:a,tag:b")`);
      }
    });
    for (const key of Object.keys(grant.app)) {
      if (key !== APERTURE_CAPABILITY && key.startsWith('tailscale.com/cap/')) {
        warn(pointer('grants', g, 'app', key), `unknown Tailscale capability "${key}" is treated as a custom capability (did you mean "${APERTURE_CAPABILITY}"?)`);
      }
    }
    const caps = ((grant.app as Record<string, unknown>)[APERTURE_CAPABILITY] as CapabilityConfig[] | undefined) ?? [];
    caps.forEach((cap, c) => {
      const at = (...rest: Array<string | number>): string => pointer('grants', g, 'app', APERTURE_CAPABILITY, c, ...rest);
      if (cap.role === 'admin') admin = true;
      if (cap.models !== undefined) {
        const provider = providerSegmentMatcher(cap.models);
        if (provider !== undefined && !providerIds.some(provider.test)) {
          warn(at('models'), `models pattern "${cap.models}" references provider "${provider.segment}" which does not match any declared provider`);
        }
      }
      (cap.send_hooks ?? []).forEach((hook, h) => {
        if (!hookNames.has(hook.name)) warn(at('send_hooks', h, 'name'), `send_hooks references undefined hook "${hook.name}"`);
        if (hook.events.length === 0) warn(at('send_hooks', h, 'events'), `send_hooks entry for hook "${hook.name}" lists no events; it never fires`);
        hook.events.forEach((e, i) => {
          if (!(HOOK_EVENTS as readonly string[]).includes(e)) warn(at('send_hooks', h, 'events', i), `unknown hook event "${e}" (expected one of ${HOOK_EVENTS.join(', ')})`);
        });
        hook.send.forEach((v, i) => {
          if (!(HOOK_SEND_VALUES as readonly string[]).includes(v)) warn(at('send_hooks', h, 'send', i), `unknown send value "${v}" (expected one of ${HOOK_SEND_VALUES.join(', ')})`);
        });
      });
      (cap.quotas ?? []).forEach((q, i) => {
        if (!quotaNames.has(q.bucket)) warn(at('quotas', i, 'bucket'), `quotas references undefined quota "${q.bucket}"`);
        for (const template of q.bucket.match(/<[^>]*>/g) ?? []) {
          if (!BUCKET_TEMPLATES.has(template)) warn(at('quotas', i, 'bucket'), `bucket ref "${q.bucket}" has unsupported template "${template}" (supported: <user>, <node>)`);
        }
      });
      (cap.add_headers ?? []).forEach((line, i) => {
        // Never quoted: the value is often a credential.
        if (parseHeaderLines([line]).length === 0) warn(at('add_headers', i), `add_headers entry must be in "Header-Name: value" format: ${headerLineProblem(line)}`);
      });
    });
  });

  if (providerIds.length > 0 && input.grants.length === 0) {
    warn(pointer('grants'), 'providers are configured but no grants or temp_grants defined; all access will be denied');
  }
  if (!admin) warn(pointer('grants'), 'no grant in grants or temp_grants assigns role:admin; nobody will be able to manage this instance');
  return out;
}
