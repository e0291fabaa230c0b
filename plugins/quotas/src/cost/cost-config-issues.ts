import { type ConfigIssue, issuePath, pointerSegment } from '@tollgate/core';
import type { ProviderCostConfig } from '../types.js';
import { APERTURE_COST_BASES, DEFAULT_COMPATIBILITY, costBasisSource, inferCostBases } from './cost-basis.js';
import { findPricedModel } from './price-data.js';

/** What {@link costConfigIssues} checks. */
export interface CostConfigIssuesInput {
  /** The validated `providers` section. */
  readonly providers: Readonly<Record<string, ProviderCostConfig>>;
  /** Top-level `auto_cost_basis`. @default true */
  readonly autoCostBasis?: boolean;
  /** Issue path prefix. @default "config" */
  readonly owner?: string;
}

/**
 * Load-time warnings about the providers' cost settings: a `cost_basis` that names no known
 * pricing source, and a `model_cost_map` entry whose `as` model has no price under the provider's
 * cost basis (its matching models would be unpriced). Warnings only: like Aperture, the gateway
 * starts, and the exchanges concerned are unpriced (`dollars: null`).
 */
export function costConfigIssues(input: CostConfigIssuesInput): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const owner = input.owner ?? 'config';
  for (const [id, provider] of Object.entries(input.providers)) {
    const at = (...rest: Array<string | number>): string => issuePath(owner, ['providers', id, ...rest].map((s) => `/${pointerSegment(s)}`).join(''));
    let bases: readonly string[];
    if (provider.cost_basis !== undefined) {
      if (costBasisSource(provider.cost_basis) === undefined) {
        out.push({ severity: 'warning', path: at('cost_basis'), message: `unknown cost_basis "${provider.cost_basis}"; this provider's exchanges are unpriced (expected one of ${APERTURE_COST_BASES.join(', ')}, or a provider id of the price data such as groq)` });
        continue;
      }
      bases = [provider.cost_basis];
    } else if (input.autoCostBasis === false) {
      bases = [];
    } else {
      const flags = provider.compatibility === undefined ? DEFAULT_COMPATIBILITY : Object.keys(provider.compatibility).filter((f) => provider.compatibility?.[f] === true);
      bases = inferCostBases({ baseurl: provider.baseurl, compatibility: flags });
    }
    (provider.model_cost_map ?? []).forEach((entry, i) => {
      if (entry.as === undefined || bases.length === 0) return;
      const model = entry.as;
      if (bases.some((b) => findPricedModel(costBasisSource(b) as string, model) !== null)) return;
      out.push({ severity: 'warning', path: at('model_cost_map', i, 'as'), message: `model "${model}" has no known price under cost basis ${bases.map((b) => `"${b}"`).join(' or ')}; models matching "${entry.match}" are unpriced` });
    });
  }
  return out;
}
