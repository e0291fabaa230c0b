import { type ConfigIssue, errorMessage, issuePath, pointerSegment } from '@tollgate/core';
import { parseMoney } from '../money/money.js';
import { parseRate } from '../money/rate.js';
import type { QuotaConfig } from '../schema.js';
import { PLUGIN_NAME } from '../types.js';
import { unsupportedTemplates } from './bucket-name.js';
import type { BucketLimits } from './token-bucket.js';

/** What a bucket does when it is not positive before a request. Aperture documents `reject` only. */
export type OnExceed = 'reject';

/** A `quotas` entry that parsed: a bucket (or, with templates, a family of buckets). */
export interface QuotaDefinition {
  /** Always true: this definition is usable. */
  readonly ok: true;
  /** The name as configured, templates unfilled (`daily:<user>`). */
  readonly name: string;
  /** Capacity and refill rate. */
  readonly limits: BucketLimits;
  /** What an empty bucket does. */
  readonly onExceed: OnExceed;
}

/** A `quotas` entry that did not parse: every request charged to it is refused (fails closed). */
export interface InvalidQuota {
  /** Always false: this definition fails closed. */
  readonly ok: false;
  /** The name as configured. */
  readonly name: string;
  /** What is wrong, for logs and warnings. */
  readonly reason: string;
}

/** One compiled `quotas` entry. */
export type CompiledQuota = QuotaDefinition | InvalidQuota;

/** What {@link compileQuotas} returns. */
export interface CompiledQuotas {
  /** Every entry by configured name; invalid ones included, so references to them fail closed. */
  readonly quotas: ReadonlyMap<string, CompiledQuota>;
  /** Warnings for entries that do not parse or use unknown values. */
  readonly issues: readonly ConfigIssue[];
}

const ON_EXCEED: readonly string[] = ['reject'];

/**
 * Parses the `quotas` section (validated by `QuotasSchema`). A capacity or rate that does not
 * parse, or a name with a template other than `<user>` / `<node>`, makes that bucket invalid: a
 * warning at load, and a 429 for every request charged to it, as in Aperture ("a quota config
 * that cannot be parsed fails closed"). An unknown `on_exceed` is a warning and acts as `reject`
 * (the only documented behaviour, and the safe one).
 */
export function compileQuotas(section: Readonly<Record<string, QuotaConfig>> | undefined, owner = `plugins.${PLUGIN_NAME}`): CompiledQuotas {
  const quotas = new Map<string, CompiledQuota>();
  const issues: ConfigIssue[] = [];
  for (const [name, entry] of Object.entries(section ?? {})) {
    const at = (field?: string): string => issuePath(owner, `/quotas/${pointerSegment(name)}${field === undefined ? '' : `/${field}`}`);
    const problems: Array<[field: string | undefined, message: string]> = [];
    const templates = unsupportedTemplates(name);
    if (templates.length > 0) problems.push([undefined, `unsupported template ${templates.map((t) => `"${t}"`).join(', ')} (supported: <user>, <node>)`]);
    let capacity: number | undefined;
    let rate: ReturnType<typeof parseRate> | undefined;
    try {
      capacity = parseMoney(entry.capacity);
    } catch (err) {
      problems.push(['capacity', errorMessage(err)]);
    }
    try {
      rate = parseRate(entry.rate);
    } catch (err) {
      problems.push(['rate', errorMessage(err)]);
    }
    if (entry.on_exceed !== undefined && !ON_EXCEED.includes(entry.on_exceed)) {
      issues.push({ severity: 'warning', path: at('on_exceed'), message: `unknown on_exceed "${entry.on_exceed}"; the bucket rejects when empty (expected "reject")` });
    }
    if (problems.length > 0 || capacity === undefined || rate === undefined) {
      for (const [field, message] of problems) issues.push({ severity: 'warning', path: at(field), message: `${message}; requests charged to quota "${name}" are refused (429) until this is fixed` });
      quotas.set(name, Object.freeze({ ok: false, name, reason: problems.map(([, m]) => m).join('; ') }));
      continue;
    }
    quotas.set(name, Object.freeze({ ok: true, name, limits: Object.freeze({ capacity, rate }), onExceed: 'reject' }));
  }
  return { quotas, issues };
}
