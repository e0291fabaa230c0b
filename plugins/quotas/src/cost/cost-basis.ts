import { priceProvider, priceProviderForUrl } from './price-data.js';

/** Aperture's `cost_basis` values (pricing sources). */
export const APERTURE_COST_BASES = ['anthropic', 'openai', 'google', 'bedrock', 'bedrock-us', 'bedrock-eu', 'bedrock-ap', 'vertex', 'azure', 'azure-eu', 'openrouter', 'vercel'] as const;

/** One of Aperture's `cost_basis` values. */
export type ApertureCostBasis = (typeof APERTURE_COST_BASES)[number];

/**
 * Where each Aperture cost basis finds its prices in the bundled data (a price-data provider id).
 * Aperture does not publish its prices; these mappings are tollgate's reading and provisional
 * where noted:
 * - `vertex` → Google's list, which falls back to Anthropic's for Claude models (Vertex's
 *   regional-endpoint surcharge is not in the data).
 * - `bedrock-us`, `bedrock-eu`, `bedrock-ap` → the AWS Bedrock list; the data tells global from
 *   regional (geo-prefixed) model ids, not one geography from another.
 * - `azure-eu` → the Azure list (a Data Zone surcharge is not in the data).
 * - `vercel` → OpenRouter's list: the data has no Vercel list, both gateways name models
 *   `creator/model` and charge the creators' list prices.
 */
export const COST_BASIS_SOURCES: Readonly<Record<ApertureCostBasis, string>> = Object.freeze({
  anthropic: 'anthropic',
  openai: 'openai',
  google: 'google',
  vertex: 'google',
  bedrock: 'aws',
  'bedrock-us': 'aws',
  'bedrock-eu': 'aws',
  'bedrock-ap': 'aws',
  azure: 'azure',
  'azure-eu': 'azure',
  openrouter: 'openrouter',
  vercel: 'openrouter',
});

/** Cost-basis names of price-data providers that Aperture calls differently. */
const BASIS_OF_SOURCE: Readonly<Record<string, string>> = Object.freeze({ aws: 'bedrock' });

/** Vertex AI endpoints (`https://us-east5-aiplatform.googleapis.com`), named `vertex` rather than `google`. */
const VERTEX_URL = /^https?:\/\/([a-z0-9-]+-)?aiplatform\.googleapis\.com/i;

/**
 * Cost bases inferred from compatibility flags, most specific first (provisional: Aperture infers
 * "from the compatibility flags" without saying how). The native API of a vendor names it; the
 * OpenAI formats, which many vendors also speak, come last.
 */
export const COST_BASIS_OF_FLAG: ReadonlyArray<readonly [flag: string, basis: ApertureCostBasis]> = Object.freeze([
  ['anthropic_messages', 'anthropic'],
  ['gemini_generate_content', 'google'],
  ['bedrock_converse', 'bedrock'],
  ['bedrock_model_invoke', 'bedrock'],
  ['google_generate_content', 'vertex'],
  ['google_raw_predict', 'vertex'],
  ['openai_responses', 'openai'],
  ['openai_chat', 'openai'],
] as const);

/** A provider's compatibility when none is configured (Aperture's default). */
export const DEFAULT_COMPATIBILITY: readonly string[] = Object.freeze(['openai_chat']);

const otherSources = new Map<string, string | undefined>();

/**
 * The price-data provider id of a cost basis: Aperture's names by {@link COST_BASIS_SOURCES},
 * otherwise a price-data provider id given as is (`groq`, `deepseek`); `undefined` when unknown.
 */
export function costBasisSource(costBasis: string): string | undefined {
  if (Object.hasOwn(COST_BASIS_SOURCES, costBasis)) return COST_BASIS_SOURCES[costBasis as ApertureCostBasis];
  if (!otherSources.has(costBasis)) {
    if (otherSources.size >= 1024) otherSources.clear();
    otherSources.set(costBasis, priceProvider(costBasis)?.id);
  }
  return otherSources.get(costBasis);
}

/** What {@link inferCostBases} looks at: a provider's base URL and compatibility flags. */
export interface CostBasisHints {
  /** The provider's `baseurl`. */
  readonly baseurl?: string;
  /** The provider's enabled compatibility flags. */
  readonly compatibility: Iterable<string>;
}

/**
 * The cost bases to try, in order, for a provider without `cost_basis` (`auto_cost_basis`):
 * first the vendor whose API the base URL points at, when the price data knows it
 * (`https://api.groq.com` → `groq`; a tollgate addition, since many vendors speak the OpenAI
 * format), then one per compatibility flag by {@link COST_BASIS_OF_FLAG}. The estimate uses the
 * first basis that has a price for the model. Provisional.
 */
export function inferCostBases(hints: CostBasisHints): string[] {
  const out: string[] = [];
  const sources = new Set<string>();
  const add = (basis: string): void => {
    const source = costBasisSource(basis);
    if (source === undefined || sources.has(source)) return;
    sources.add(source);
    out.push(basis);
  };
  const fromUrl = hints.baseurl === undefined ? undefined : priceProviderForUrl(hints.baseurl);
  if (fromUrl !== undefined) add(fromUrl === 'google' && VERTEX_URL.test(hints.baseurl ?? '') ? 'vertex' : (BASIS_OF_SOURCE[fromUrl] ?? fromUrl));
  const flags = new Set(hints.compatibility);
  for (const [flag, basis] of COST_BASIS_OF_FLAG) if (flags.has(flag)) add(basis);
  return out;
}
