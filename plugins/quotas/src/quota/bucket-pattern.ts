import { NODE_TEMPLATE, USER_TEMPLATE } from './bucket-name.js';
import type { CompiledQuota } from './quota-definitions.js';

const SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** A configured quota name as an anchored pattern over bucket names (`daily:<user>` → `^daily:.+$`). */
function patternOf(name: string): RegExp {
  const escaped = name.replace(SPECIAL, '\\$&').replaceAll(USER_TEMPLATE, '.+').replaceAll(NODE_TEMPLATE, '.+');
  return new RegExp(`^${escaped}$`, 's');
}

/**
 * Finds which configured quota a bucket (a name with its templates filled, as stored) belongs to:
 * a quota named exactly so, else the first templated quota, in configuration order, whose name
 * matches (`daily:alice@example.com` → `daily:<user>`). Built once per configuration.
 */
export class BucketMatcher {
  readonly #exact = new Map<string, CompiledQuota>();
  readonly #templates: Array<{ readonly pattern: RegExp; readonly quota: CompiledQuota }> = [];

  constructor(quotas: ReadonlyMap<string, CompiledQuota>) {
    for (const [name, quota] of quotas) {
      if (name.includes(USER_TEMPLATE) || name.includes(NODE_TEMPLATE)) this.#templates.push({ pattern: patternOf(name), quota });
      else this.#exact.set(name, quota);
    }
  }

  /** The quota `bucket` belongs to, or `undefined` when no configured quota makes that bucket. */
  quotaOf(bucket: string): CompiledQuota | undefined {
    return this.#exact.get(bucket) ?? this.#templates.find((t) => t.pattern.test(bucket))?.quota;
  }
}
