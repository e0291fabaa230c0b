import type { CallerGrants, CompiledCapability, CompiledGrant } from './internal-types.js';
import { type CallerKey, srcMatches } from './src-matcher.js';
import type { EffectiveCapabilities, GrantRole, HookWiring } from './types.js';

const NO_CUSTOM: Readonly<Record<string, readonly unknown[]>> = Object.freeze({});

/**
 * Collects what a caller's matching grants give, independent of the model: the highest role,
 * the granted `models` globs, the capability objects that contribute hooks/quotas/headers
 * (floating apart from model-scoped), and the merged custom capabilities.
 */
export function collectCallerGrants(grants: readonly CompiledGrant[], caller: CallerKey): CallerGrants {
  const matchedGrants: number[] = [];
  let role: GrantRole | undefined;
  const modelPatterns: RegExp[] = [];
  const floating: CompiledCapability[] = [];
  const scoped: CompiledCapability[] = [];
  let custom: Record<string, unknown[]> | undefined;
  const flags = new Set<string>();
  for (const grant of grants) {
    if (!srcMatches(grant.src, caller)) continue;
    matchedGrants.push(grant.index);
    for (const cap of grant.capabilities) {
      if (cap.role === 'admin' || (cap.role === 'user' && role === undefined)) role = cap.role;
      if (cap.models !== undefined) modelPatterns.push(cap.models);
      if (cap.contributes) (cap.models === undefined ? floating : scoped).push(cap);
      for (const f of cap.flags) flags.add(f);
    }
    for (const [name, objects] of grant.custom) {
      custom ??= {};
      (custom[name] ??= []).push(...objects);
    }
  }
  if (custom !== undefined) for (const list of Object.values(custom)) Object.freeze(list);
  return Object.freeze({
    matchedGrants: Object.freeze(matchedGrants),
    ...(role === undefined ? {} : { role }),
    modelPatterns: Object.freeze(modelPatterns),
    floating: Object.freeze(floating),
    scoped: Object.freeze(scoped),
    custom: custom === undefined ? NO_CUSTOM : Object.freeze(custom),
    flags,
  });
}

/** True when one of the caller's `models` globs matches `provider/model`. */
export function modelGranted(caller: CallerGrants, subject: string): boolean {
  for (const re of caller.modelPatterns) if (re.test(subject)) return true;
  return false;
}

/**
 * The effective capabilities of a caller for one `provider/model`: floating objects always
 * count, model-scoped ones only when their glob matches. A hook named by several objects fires
 * once, with the union of their `events` and `send` lists; quota buckets and headers are
 * de-duplicated. The result is frozen and may be shared between requests.
 */
export function mergeCapabilities(caller: CallerGrants, subject: string): EffectiveCapabilities {
  const hooks = new Map<string, { name: string; events: Set<string>; send: Set<string> }>();
  const quotas: Readonly<Record<string, unknown>>[] = [];
  const buckets = new Set<string>();
  const headers: Array<readonly [string, string]> = [];
  const headerKeys = new Set<string>();
  const apply = (cap: CompiledCapability): void => {
    for (const ref of cap.hooks) {
      let wiring = hooks.get(ref.name);
      if (wiring === undefined) {
        wiring = { name: ref.name, events: new Set(), send: new Set() };
        hooks.set(ref.name, wiring);
      }
      for (const e of ref.events) wiring.events.add(e);
      for (const s of ref.send) wiring.send.add(s);
    }
    for (const q of cap.quotas) {
      const key = typeof q.bucket === 'string' ? q.bucket : JSON.stringify(q);
      if (buckets.has(key)) continue;
      buckets.add(key);
      quotas.push(q);
    }
    for (const h of cap.addHeaders) {
      const key = `${h[0]}\n${h[1]}`;
      if (headerKeys.has(key)) continue;
      headerKeys.add(key);
      headers.push(h);
    }
  };
  for (const cap of caller.floating) apply(cap);
  for (const cap of caller.scoped) if ((cap.models as RegExp).test(subject)) apply(cap);
  const wired = new Map<string, HookWiring>();
  for (const [name, w] of hooks) wired.set(name, Object.freeze({ name, events: w.events, send: w.send }));
  return Object.freeze({
    ...(caller.role === undefined ? {} : { role: caller.role }),
    modelAllowed: modelGranted(caller, subject),
    model: subject,
    hooks: wired,
    quotas: Object.freeze(quotas),
    addHeaders: Object.freeze(headers),
    custom: caller.custom,
    matchedGrants: caller.matchedGrants,
  });
}
