import { compileModelGlob } from '@tollgate/plugin-grants';

/** One `model_cost_map` entry as configured. */
export interface ModelCostMapEntry {
  /** Glob over the model id. */
  readonly match: string;
  /** Model whose prices are used instead. */
  readonly as?: string;
  /** Price multiplier. @default 1 */
  readonly adjustment?: number;
}

/** A `model_cost_map` entry with its glob compiled. */
export interface CompiledCostMapEntry {
  /** The glob as configured. */
  readonly match: string;
  /** The glob as an anchored expression. */
  readonly pattern: RegExp;
  /** Model priced instead, if any. */
  readonly as: string | undefined;
  /** Price multiplier. */
  readonly adjustment: number;
}

/** How a model is priced after `model_cost_map`. */
export interface CostMapping {
  /** The model to look up in the prices (`as`, or the model itself). */
  readonly model: string;
  /** Multiplier for its price. */
  readonly adjustment: number;
  /** Index of the entry that matched, if one did. */
  readonly entry: number | undefined;
}

/**
 * Compiles a provider's `model_cost_map`. Globs use the dialect of grants' `models` (`*` within
 * one `/`-segment, `**` across segments, everything else literal, case-sensitive), matched
 * against the model id alone (`claude-sonnet-*`, `anthropic/*` for an OpenRouter id).
 */
export function compileModelCostMap(entries: readonly ModelCostMapEntry[] | undefined): readonly CompiledCostMapEntry[] {
  return Object.freeze(
    (entries ?? []).map((e) => {
      const adjustment = e.adjustment ?? 1;
      if (!Number.isFinite(adjustment) || adjustment < 0) throw new RangeError(`model_cost_map adjustment must be a finite number >= 0 (got ${adjustment})`);
      return Object.freeze({ match: e.match, pattern: compileModelGlob(e.match), as: e.as, adjustment });
    }),
  );
}

/** Applies a compiled `model_cost_map` to `model`: the first matching entry wins. */
export function mapModelCost(entries: readonly CompiledCostMapEntry[], model: string): CostMapping {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as CompiledCostMapEntry;
    if (entry.pattern.test(model)) return { model: entry.as ?? model, adjustment: entry.adjustment, entry: i };
  }
  return { model, adjustment: 1, entry: undefined };
}
