import { parseHeaderLines } from '@tollgate/core';
import type { CompiledCapability, CompiledGrant } from './internal-types.js';
import { compileModelGlob } from './model-glob.js';
import { APERTURE_CAPABILITY, type CapabilityConfig, type GrantsConfig, type GroupsConfig } from './schema.js';
import { compileSrc } from './src-matcher.js';

const EMPTY: readonly never[] = Object.freeze([]);

/** Boolean capability fields that grant control-plane access when true. */
const FLAG_FIELDS = ['read_metrics', 'enable_chat_ui'] as const;

function compileCapability(cap: CapabilityConfig): CompiledCapability {
  const hooks = Object.freeze((cap.send_hooks ?? []).map((h) => Object.freeze({ name: h.name, events: Object.freeze([...h.events]), send: Object.freeze([...h.send]) })));
  const quotas = Object.freeze((cap.quotas ?? []).map((q) => Object.freeze({ ...q })));
  const addHeaders = Object.freeze(parseHeaderLines(cap.add_headers ?? []).map((pair) => Object.freeze(pair) as readonly [string, string]));
  return Object.freeze({
    ...(cap.role === undefined ? {} : { role: cap.role }),
    ...(cap.models === undefined ? {} : { modelsPattern: cap.models, models: compileModelGlob(cap.models) }),
    hooks: hooks.length > 0 ? hooks : EMPTY,
    quotas: quotas.length > 0 ? quotas : EMPTY,
    addHeaders: addHeaders.length > 0 ? addHeaders : EMPTY,
    contributes: hooks.length > 0 || quotas.length > 0 || addHeaders.length > 0,
    flags: Object.freeze(FLAG_FIELDS.filter((f) => cap[f] === true)),
  });
}

/**
 * Compiles the `grants` and `groups` sections once per configuration: `src` lists become sets
 * (config groups expanded), `models` globs become regular expressions, `add_headers` lines are
 * parsed (malformed ones dropped; the config check warns about them).
 */
export function compileGrants(grants: GrantsConfig, groups: GroupsConfig): readonly CompiledGrant[] {
  return Object.freeze(
    grants.map((grant, index) => {
      const app = grant.app as Record<string, unknown>;
      const aperture = (app[APERTURE_CAPABILITY] as CapabilityConfig[] | undefined) ?? [];
      const custom = Object.entries(app)
        .filter(([name]) => name !== APERTURE_CAPABILITY)
        .map(([name, objects]) => Object.freeze([name, Object.freeze([...(objects as unknown[])])]) as readonly [string, readonly unknown[]]);
      return Object.freeze({
        index,
        src: compileSrc(grant.src, groups),
        capabilities: Object.freeze(aperture.map(compileCapability)),
        custom: Object.freeze(custom),
      });
    }),
  );
}
