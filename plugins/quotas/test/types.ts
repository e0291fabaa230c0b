// Compile-only checks of the public API the quotas plugin, the store and the webhook plugin will
// build on (type-checked by tsconfig.test.json, never run).
import type { Denial, Identity, ProviderConfig, RequestContext, Usage } from '@tollgate/core';
import { type EffectiveCapabilities, effectiveCapabilities } from '@tollgate/plugin-grants';
import {
  type Admission,
  type BucketState,
  type BucketChangeRow,
  type CostEstimate,
  type EstimatedCostPayload,
  type QuotaBalancePayload,
  type QuotaCapabilities,
  type QuotaResolution,
  admit,
  chargeRow,
  compileQuotas,
  estimateCost,
  estimatedCostPayload,
  quotaDenial,
  quotasPayload,
  resolveQuotas,
} from '@tollgate/plugin-quotas';

declare const ctx: RequestContext;
declare const provider: ProviderConfig;
declare const identity: Identity;
declare const usage: Usage;

// The grants plugin's effective capabilities are what quota resolution reads.
const caps: EffectiveCapabilities | undefined = effectiveCapabilities(ctx);
const forQuotas: QuotaCapabilities | undefined = caps;
const resolution: QuotaResolution = resolveQuotas({ capabilities: forQuotas, quotas: compileQuotas({}).quotas, identity });

// A validated core provider config is a cost config as it is.
const estimate: CostEstimate = estimateCost({ providerId: 'openai', providerConfig: provider, model: 'gpt-5', usage, at: Date.now() });
const dollars: number | null = estimate.dollars;
const payload: EstimatedCostPayload = estimatedCostPayload(estimate);

if (resolution.ok) {
  const admission: Admission = admit(resolution.buckets.map((b) => ({ name: b.name, limits: b.definition.limits, state: undefined as BucketState | undefined })), Date.now());
  if (!admission.admitted) {
    const denial: Denial = quotaDenial(admission);
    void denial;
  } else {
    const balances: Record<string, QuotaBalancePayload> = quotasPayload(admission.buckets.map((b, i) => ({ ...b, limits: resolution.buckets[i]!.definition.limits })));
    const params: BucketChangeRow = chargeRow('daily:alice@example.com', resolution.buckets[0]!.definition.limits, Date.now(), 1);
    void [balances, params];
  }
} else {
  const denial: Denial = quotaDenial(resolution);
  void denial;
}
void [dollars, payload];
