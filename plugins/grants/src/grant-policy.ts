import type { Identity } from '@tollgate/core';
import { compileGrants } from './compile-grants.js';
import type { CallerGrants, CompiledGrant } from './internal-types.js';
import { collectCallerGrants, mergeCapabilities, modelGranted } from './merge-capabilities.js';
import type { GrantsConfig, GroupsConfig } from './schema.js';
import { callerKey } from './src-matcher.js';
import type { EffectiveCapabilities } from './types.js';

/** Most `provider/model` results remembered per caller before the memo starts over. */
const MAX_RESULTS_PER_CALLER = 512;

interface CallerEntry {
  readonly grants: CallerGrants;
  /** provider id → model → result (nested, so a lookup builds no key string). */
  readonly results: Map<string, Map<string, EffectiveCapabilities>>;
  size: number;
}

/**
 * The compiled grants of one configuration and their evaluation. Matching a caller's `src`
 * happens once per identity object (resolvers hand out frozen identities, and cached ones are
 * reused across requests); the effective capabilities for a `provider/model` are computed once
 * per caller and model and then shared, so a request usually costs three map lookups.
 */
export class GrantPolicy {
  /** The compiled grants. */
  readonly grants: readonly CompiledGrant[];
  readonly #callers = new WeakMap<Identity, CallerEntry>();

  constructor(grants: GrantsConfig, groups: GroupsConfig) {
    this.grants = compileGrants(grants, groups);
  }

  /** What the caller's matching grants give, whatever the model. */
  caller(identity: Identity): CallerGrants {
    return this.#entry(identity).grants;
  }

  /** The caller's effective capabilities for `provider/model`. */
  evaluate(identity: Identity, providerId: string, model: string): EffectiveCapabilities {
    const entry = this.#entry(identity);
    let byModel = entry.results.get(providerId);
    let result = byModel?.get(model);
    if (result === undefined) {
      if (entry.size >= MAX_RESULTS_PER_CALLER) {
        entry.results.clear();
        entry.size = 0;
        byModel = undefined;
      }
      if (byModel === undefined) {
        byModel = new Map();
        entry.results.set(providerId, byModel);
      }
      result = mergeCapabilities(entry.grants, `${providerId}/${model}`);
      byModel.set(model, result);
      entry.size++;
    }
    return result;
  }

  /** True when the caller may use `provider/model` (also false without a role). */
  allows(identity: Identity, providerId: string, model: string): boolean {
    const grants = this.#entry(identity).grants;
    return grants.role !== undefined && modelGranted(grants, `${providerId}/${model}`);
  }

  #entry(identity: Identity): CallerEntry {
    let entry = this.#callers.get(identity);
    if (entry === undefined) {
      entry = { grants: collectCallerGrants(this.grants, callerKey(identity)), results: new Map(), size: 0 };
      this.#callers.set(identity, entry);
    }
    return entry;
  }
}
