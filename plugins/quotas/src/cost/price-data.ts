import { type Provider, calcPrice, findProvider } from '@pydantic/genai-prices';
import type { Usage } from '@tollgate/core';

/**
 * The one door to the price data: `@pydantic/genai-prices` with the data bundled in the package
 * version this package pins. Nothing here calls `updatePrices`, so the data never changes at run
 * time and nothing is fetched. Lookups are cached per (price provider, model): the data's model
 * matching runs once per pair, then each estimate prices one known model.
 */

/** A model found in the price data. */
export interface PricedModel {
  /** Price-data provider id where the model was found (`anthropic`, `aws`, `openrouter`). */
  readonly providerId: string;
  /** The data's model id (`claude-sonnet-4-5` for `claude-sonnet-4-5-20250929`). */
  readonly modelId: string;
  /** A one-model provider holding the matched model, for fast repeated pricing. */
  readonly provider: Provider;
}

const MAX_CACHED = 4096;
const lookups = new Map<string, PricedModel | null>();

/** The price-data provider whose id is exactly `id`, if any. */
export function priceProvider(id: string): Provider | undefined {
  const provider = findProvider({ providerId: id });
  return provider?.id === id ? provider : undefined;
}

/** The id of the price-data provider whose API base URL pattern matches `baseUrl` (`https://api.groq.com` → `groq`). */
export function priceProviderForUrl(baseUrl: string): string | undefined {
  if (!/^https?:\/\//i.test(baseUrl)) return undefined;
  return findProvider({ providerApiUrl: baseUrl })?.id;
}

/**
 * Looks `model` up in the prices of the data provider `providerId` (with the data's own model
 * matching, date-suffix normalisation and fallback providers). `null` when the data has no price
 * for it.
 */
export function findPricedModel(providerId: string, model: string): PricedModel | null {
  const key = `${providerId}\u0000${model}`;
  const cached = lookups.get(key);
  if (cached !== undefined) return cached;
  let found: PricedModel | null = null;
  // Usage is irrelevant to the lookup; a zero usage prices to 0 and tells which model matched.
  let probe: ReturnType<typeof calcPrice> = null;
  try {
    if (priceProvider(providerId) !== undefined) probe = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId });
  } catch {
    probe = null; // malformed data for this model: treat it as unpriced rather than failing the exchange
  }
  if (probe !== null) {
    const { id, name, api_pattern } = probe.provider;
    found = Object.freeze({ providerId: id, modelId: probe.model.id, provider: { id, name, api_pattern, models: [probe.model] } });
  }
  if (lookups.size >= MAX_CACHED) lookups.clear();
  lookups.set(key, found);
  return found;
}

/**
 * The price in dollars (a float, as the data computes it) of `usage` for a model found by
 * {@link findPricedModel}, at time `at` (some prices depend on the date or time of day). Input
 * includes cached and cache-write tokens and output includes reasoning tokens, which is also how
 * the price data counts them, so each token is priced once. Throws when the data rejects the usage.
 */
export function priceOf(priced: PricedModel, model: string, usage: Usage, at: Date): number {
  const input = Math.max(0, usage.inputTokens);
  const cached = Math.min(Math.max(0, usage.cachedTokens), input);
  const cacheWrite = Math.min(Math.max(0, usage.cacheWriteTokens), input - cached);
  const output = Math.max(0, usage.outputTokens);
  const reasoning = Math.min(Math.max(0, usage.reasoningTokens), output);
  const result = calcPrice(
    { input_tokens: input, cache_read_tokens: cached, cache_write_tokens: cacheWrite, output_tokens: output, output_reasoning_tokens: reasoning },
    model,
    { provider: priced.provider, timestamp: at },
  );
  if (result === null) throw new Error(`price data lost model "${model}"`);
  return result.total_price;
}
