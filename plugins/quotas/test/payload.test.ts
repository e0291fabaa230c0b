import assert from 'node:assert/strict';
import { type Usage, emptyUsage } from '@tollgate/core';
import { chargeBucket, estimateCost, estimatedCostPayload, parseMoney, parseRate, quotasPayload } from '@tollgate/plugin-quotas';

/** Aperture's hook payload fields `metadata.estimated_cost` and `metadata.quotas` (compat spec 4.3 and 7). */

const T0 = Date.UTC(2026, 0, 1);
const usage = (fields: Partial<Usage>): Usage => ({ ...emptyUsage(), ...fields });
const ANTHROPIC = { baseurl: 'https://api.anthropic.com', compatibility: { anthropic_messages: true } };

describe('metadata.estimated_cost', () => {
  it('has Aperture\'s shape: dollars, cost_basis "provider/model", snake_case usage', () => {
    const got = estimateCost({ providerId: 'anthropic', providerConfig: ANTHROPIC, model: 'claude-sonnet-4-5', usage: usage({ inputTokens: 1_500, outputTokens: 800, cachedTokens: 200 }) });
    // (1500 - 200) × $3 + 200 × $0.30 + 800 × $15 per million tokens.
    assert.deepEqual(estimatedCostPayload(got), {
      dollars: (1_300 * 3_000 + 200 * 300 + 800 * 15_000) / 1e9,
      cost_basis: 'anthropic/claude-sonnet-4-5',
      usage: { input_tokens: 1_500, output_tokens: 800, cached_tokens: 200, reasoning_tokens: 0 },
    });
  });

  it('adds cache_write_tokens only when the provider reported cache writes', () => {
    const got = estimateCost({ providerId: 'anthropic', providerConfig: ANTHROPIC, model: 'claude-sonnet-4-5', usage: usage({ inputTokens: 10, cacheWriteTokens: 4 }) });
    assert.equal(estimatedCostPayload(got).usage.cache_write_tokens, 4);
  });

  it('sends dollars null for a model without a known price', () => {
    const got = estimateCost({ providerId: 'openai', providerConfig: { baseurl: 'https://api.openai.com' }, model: 'no-such-model-7', usage: usage({ inputTokens: 1_000, outputTokens: 1_000 }) });
    assert.deepEqual(estimatedCostPayload(got), { dollars: null, cost_basis: 'openai/no-such-model-7', usage: { input_tokens: 1_000, output_tokens: 1_000, cached_tokens: 0, reasoning_tokens: 0 } });
  });
});

describe('metadata.quotas', () => {
  it('has Aperture\'s shape: integer nanodollars and the rate as text', () => {
    const limits = { capacity: parseMoney('$10.00'), rate: parseRate('$5.00/day') };
    const state = chargeBucket(undefined, limits, T0, parseMoney('$5.00'));
    assert.deepEqual(quotasPayload([{ name: 'daily:alice@example.com', limits, state }]), {
      'daily:alice@example.com': { current: 5_000_000_000, capacity: 10_000_000_000, rate: '$5.00/day' },
    });
  });

  it('reports an overdrawn bucket as a negative integer', () => {
    const limits = { capacity: parseMoney('$1.00'), rate: parseRate('$1/day') };
    const state = chargeBucket(undefined, limits, T0, parseMoney('$1.25'));
    assert.deepEqual(quotasPayload([{ name: 'b', limits, state }]), { b: { current: -250_000_000, capacity: 1_000_000_000, rate: '$1.00/day' } });
  });

  it('keeps a bucket named __proto__ as data', () => {
    const limits = { capacity: 1, rate: parseRate('$1/day') };
    const payload = quotasPayload([{ name: '__proto__', limits, state: { balance: 1, carry: 0, updatedAt: T0 } }]);
    assert.deepEqual(Object.keys(payload), ['__proto__']);
    assert.equal(JSON.parse(JSON.stringify(payload)).__proto__.current, 1);
  });
});
