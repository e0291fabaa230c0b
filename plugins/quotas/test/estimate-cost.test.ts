import assert from 'node:assert/strict';
import { type Usage, emptyUsage } from '@tollgate/core';
import { type FormatAdapter, SseFramer, anthropicMessagesFormat, anthropicUsage, geminiFormat, openAiChatFormat, openAiResponsesFormat } from '@tollgate/core/formats';
import { type CostEstimate, type CostInput, type ProviderCostConfig, costConfigIssues, estimateCost, inferCostBases } from '@tollgate/plugin-quotas';
import { type FixtureFormat, chunksToSse, readChunkLines, readFixture } from '@tollgate/testing';

/**
 * Costs of the captured fixtures' usage, checked against a hand calculation with the prices of
 * the bundled data (`@pydantic/genai-prices` 0.1.8, per million tokens). A price of $P per
 * million tokens is P × 1000 nanodollars per token, so every expected cost below is an exact
 * integer of nanodollars.
 */

const ADAPTERS: Record<FixtureFormat, FormatAdapter> = {
  'openai-chat': openAiChatFormat,
  'openai-responses': openAiResponsesFormat,
  'anthropic-messages': anthropicMessagesFormat,
  gemini: geminiFormat,
};

/** The usage the gateway reads from a captured stream: wire SSE through a framer and the format's assembler. */
function fixtureUsage(format: FixtureFormat, file: string): Usage {
  const wire = file.endsWith('.chunks.txt') ? Buffer.from(chunksToSse(format, readChunkLines(format, file)).join('')) : readFixture(format, file);
  const assembler = ADAPTERS[format].createStreamAssembler();
  const framer = new SseFramer();
  for (const event of [...framer.push(wire), ...framer.end()]) assembler.push(event);
  assembler.end();
  return assembler.result().usage;
}

const usage = (fields: Partial<Usage>): Usage => ({ ...emptyUsage(), ...fields });

const ANTHROPIC: ProviderCostConfig = { baseurl: 'https://api.anthropic.com', compatibility: { anthropic_messages: true } };
const OPENAI: ProviderCostConfig = { baseurl: 'https://api.openai.com', compatibility: { openai_chat: true, openai_responses: true } };
const GEMINI: ProviderCostConfig = { baseurl: 'https://generativelanguage.googleapis.com', compatibility: { gemini_generate_content: true } };

const estimate = (providerConfig: ProviderCostConfig, model: string, u: Usage, extra: Partial<CostInput> = {}): CostEstimate =>
  estimateCost({ providerId: 'p', providerConfig, model, usage: u, ...extra });

/** Asserts a priced estimate: exact nanodollars, dollars = nanodollars / 1e9, and the cost basis. */
function assertCost(got: CostEstimate, nanodollars: number, costBasis: string): void {
  assert.equal(got.unpriced, undefined, `unexpectedly unpriced (${got.unpriced})`);
  assert.equal(got.nanodollars, nanodollars);
  assert.equal(got.dollars, nanodollars / 1e9);
  assert.equal(got.costBasis, costBasis);
}

describe('estimateCost on the captured fixtures', () => {
  it('Anthropic claude-sonnet-4-5 (912 in, 118 out): $3 and $15 per million', () => {
    const u = fixtureUsage('anthropic-messages', 'anthropic-issue-11719-quoted-tool-input.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens, u.cachedTokens, u.cacheWriteTokens], [912, 118, 0, 0]);
    assertCost(estimate(ANTHROPIC, 'claude-sonnet-4-5', u), 912 * 3_000 + 118 * 15_000, 'anthropic/claude-sonnet-4-5');
  });

  it('Anthropic with the dated model id the response names (12 in, 30 out)', () => {
    const u = fixtureUsage('anthropic-messages', 'anthropic-text.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens], [12, 30]);
    assertCost(estimate(ANTHROPIC, 'claude-sonnet-4-5-20250929', u), 12 * 3_000 + 30 * 15_000, 'anthropic/claude-sonnet-4-5');
  });

  it('Anthropic claude-sonnet-4 from the raw SSE capture (377 in, 1 out)', () => {
    const u = fixtureUsage('anthropic-messages', 'tool_use_response.txt');
    assert.equal(u.inputTokens, 377);
    // claude-sonnet-4-20250514 is the data's claude-sonnet-4-0: $3 / $15.
    assertCost(estimate(ANTHROPIC, 'claude-sonnet-4-20250514', u), 377 * 3_000 + u.outputTokens * 15_000, 'anthropic/claude-sonnet-4-0');
  });

  it('OpenAI chat gpt-4.1-nano (16 in, 300 out): $0.10 and $0.40', () => {
    const u = fixtureUsage('openai-chat', 'openai-text.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens], [16, 300]);
    assertCost(estimate(OPENAI, 'gpt-4.1-nano', u), 16 * 100 + 300 * 400, 'openai/gpt-4.1-nano');
  });

  it('OpenAI chat gpt-4o-2024-08-06 from a raw body (76 in, 24 out): $2.50 and $10', () => {
    const u = fixtureUsage('openai-chat', 'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin');
    assert.deepEqual([u.inputTokens, u.outputTokens], [76, 24]);
    assertCost(estimate(OPENAI, 'gpt-4o-2024-08-06', u), 76 * 2_500 + 24 * 10_000, 'openai/gpt-4o');
  });

  it('DeepSeek with cached and reasoning tokens counts each token once', () => {
    const u = fixtureUsage('openai-chat', 'deepseek-tool-call.chunks.txt');
    // 339 prompt tokens of which 320 cache hits; 83 completion tokens of which 39 reasoning.
    assert.deepEqual([u.inputTokens, u.cachedTokens, u.outputTokens, u.reasoningTokens], [339, 320, 83, 39]);
    // deepseek-reasoner at standard hours: $0.55 input, $0.14 cache hit, $2.19 output (reasoning is output).
    const noon = Date.parse('2026-06-01T12:00:00Z');
    const expected = (339 - 320) * 550 + 320 * 140 + 83 * 2_190;
    assertCost(estimate({ baseurl: 'https://api.deepseek.com', compatibility: { openai_chat: true } }, 'deepseek-reasoner', u, { at: noon }), expected, 'deepseek/deepseek-reasoner');
    assertCost(estimate({ cost_basis: 'deepseek' }, 'deepseek-reasoner', u, { at: noon }), expected, 'deepseek/deepseek-reasoner');
    // The price data knows DeepSeek's off-peak hours (16:30 to 00:30 UTC): $0.135, $0.035, $0.55.
    const offPeak = (339 - 320) * 135 + 320 * 35 + 83 * 550;
    assertCost(estimate({ cost_basis: 'deepseek' }, 'deepseek-reasoner', u, { at: Date.parse('2026-06-01T18:00:00Z') }), offPeak, 'deepseek/deepseek-reasoner');
  });

  it('Groq recognised by its base URL (210 in, 15 out): $0.59 and $0.79', () => {
    const u = fixtureUsage('openai-chat', 'groq-tool-call.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens], [210, 15]);
    assertCost(estimate({ baseurl: 'https://api.groq.com/openai', compatibility: { openai_chat: true } }, 'llama-3.3-70b-versatile', u), 210 * 590 + 15 * 790, 'groq/llama-3.3-70b-versatile');
  });

  it('OpenAI responses gpt-5.2 with reasoning inside the output (84 in, 39 out of which 15 reasoning)', () => {
    const u = fixtureUsage('openai-responses', 'openai-issue-11239.1.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens, u.reasoningTokens], [84, 39, 15]);
    // gpt-5.2: $1.75 / $14; the 15 reasoning tokens are part of the 39, not added to them.
    assertCost(estimate(OPENAI, 'gpt-5.2-2025-12-11', u), 84 * 1_750 + 39 * 14_000, 'openai/gpt-5.2');
  });

  it('Gemini 3 Pro with thoughts (9 in, 23 candidates + 185 thoughts out): $2 and $12', () => {
    const u = fixtureUsage('gemini', 'google-text.chunks.txt');
    assert.deepEqual([u.inputTokens, u.outputTokens, u.reasoningTokens], [9, 208, 185]);
    assertCost(estimate(GEMINI, 'gemini-3-pro-preview', u), 9 * 2_000 + 208 * 12_000, 'google/gemini-3-pro-preview');
  });
});

describe('estimateCost', () => {
  it('prices cache reads and cache writes apart from uncached input, each once', () => {
    // Anthropic reports uncached input apart; core's usage includes cache reads and writes in input.
    const u = anthropicUsage({ input_tokens: 100, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 500, output_tokens: 50 });
    assert.deepEqual([u.inputTokens, u.cachedTokens, u.cacheWriteTokens], [1_600, 1_000, 500]);
    // claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 cache write (5 min), $15 output.
    assertCost(estimate(ANTHROPIC, 'claude-sonnet-4-5', u), 100 * 3_000 + 1_000 * 300 + 500 * 3_750 + 50 * 15_000, 'anthropic/claude-sonnet-4-5');
  });

  it('applies tiered prices: above 200k input tokens, every token at the long-context price', () => {
    // claude-sonnet-4-5 over 200k input: $6 input, $22.50 output.
    assertCost(estimate(ANTHROPIC, 'claude-sonnet-4-5', usage({ inputTokens: 250_000, outputTokens: 1_000 })), 250_000 * 6_000 + 1_000 * 22_500, 'anthropic/claude-sonnet-4-5');
  });

  it('gives an unknown model null, never 0', () => {
    const got = estimate(OPENAI, 'no-such-model-7', usage({ inputTokens: 1_000, outputTokens: 1_000 }));
    assert.equal(got.dollars, null);
    assert.equal(got.nanodollars, null);
    assert.equal(got.unpriced, 'unknown_model');
    assert.equal(got.costBasis, 'openai/no-such-model-7');
    // A DeepSeek model behind an OpenAI-compatible proxy the data does not know: inferred as openai, unpriced.
    assert.equal(estimate({ baseurl: 'https://llm.internal.example', compatibility: { openai_chat: true } }, 'deepseek-reasoner', usage({ inputTokens: 5 })).dollars, null);
    // The built-in mock LLM.
    assert.equal(estimate({ baseurl: 'mock://' }, 'mock-1', usage({ inputTokens: 5 })).dollars, null);
  });

  it('prices zero usage of a known model at 0 (known price, nothing used)', () => {
    assertCost(estimate(OPENAI, 'gpt-4o', emptyUsage()), 0, 'openai/gpt-4o');
  });

  it('honours cost_basis over what auto_cost_basis would infer', () => {
    const u = usage({ inputTokens: 1_000, outputTokens: 100 });
    assertCost(estimate({ ...OPENAI, cost_basis: 'azure' }, 'gpt-4o', u), 1_000 * 2_500 + 100 * 10_000, 'azure/gpt-4o');
    // Bedrock: the data prices geo-prefixed (regional) Claude ids 10% above the global ones.
    assertCost(estimate({ cost_basis: 'bedrock-eu' }, 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', u), 1_000 * 3_300 + 100 * 16_500, 'bedrock-eu/regional.anthropic.claude-sonnet-4-5-20250929-v1:0');
    // Vertex: Google's list, which falls back to Anthropic's for Claude.
    assertCost(estimate({ cost_basis: 'vertex' }, 'claude-sonnet-4-5@20250929', u), 1_000 * 3_000 + 100 * 15_000, 'vertex/claude-sonnet-4-5');
    // OpenRouter, and Vercel on the same creator/model list.
    assertCost(estimate({ cost_basis: 'openrouter' }, 'anthropic/claude-sonnet-4.5', u), 1_000 * 3_000 + 100 * 15_000, 'openrouter/anthropic/claude-sonnet-4.5');
    assertCost(estimate({ cost_basis: 'vercel' }, 'anthropic/claude-sonnet-4.5', u), 1_000 * 3_000 + 100 * 15_000, 'vercel/anthropic/claude-sonnet-4.5');
  });

  it('leaves a provider with an unknown cost_basis unpriced', () => {
    const got = estimate({ ...OPENAI, cost_basis: 'bedrock-mars' }, 'gpt-4o', usage({ inputTokens: 10 }));
    assert.deepEqual([got.dollars, got.unpriced, got.costBasis], [null, 'unknown_cost_basis', 'bedrock-mars/gpt-4o']);
  });

  describe('model_cost_map', () => {
    const u = usage({ inputTokens: 1_000, outputTokens: 100 });
    const mapped: ProviderCostConfig = {
      cost_basis: 'anthropic',
      model_cost_map: [
        { match: 'corp-sonnet*', as: 'claude-sonnet-4-5', adjustment: 1.5 },
        { match: 'corp-sonnet-cheap', as: 'claude-haiku-4-5' }, // never reached: the first match wins
        { match: 'claude-haiku-*', adjustment: 0.5 },
        { match: '**', as: 'claude-haiku-4-5' },
      ],
    };

    it('prices a matching model as `as`, times `adjustment`', () => {
      const got = estimate(mapped, 'corp-sonnet-cheap', u);
      assertCost(got, 1.5 * (1_000 * 3_000 + 100 * 15_000), 'anthropic/claude-sonnet-4-5');
      assert.equal(got.adjustment, 1.5);
    });

    it('applies an adjustment without `as` to the model itself', () => {
      // claude-haiku-4-5: $1 / $5, halved.
      assertCost(estimate(mapped, 'claude-haiku-4-5', u), 0.5 * (1_000 * 1_000 + 100 * 5_000), 'anthropic/claude-haiku-4-5');
    });

    it('defaults the adjustment to 1 and lets `**` catch the rest', () => {
      const got = estimate(mapped, 'anything-else', u);
      assertCost(got, 1_000 * 1_000 + 100 * 5_000, 'anthropic/claude-haiku-4-5');
      assert.equal(got.adjustment, 1);
    });

    it('matches globs within one segment, as grants do', () => {
      const router: ProviderCostConfig = { cost_basis: 'openrouter', model_cost_map: [{ match: 'corp/*', as: 'openai/gpt-5' }] };
      assert.equal(estimate(router, 'corp/fast', u).costBasis, 'openrouter/openai/gpt-5');
      assert.equal(estimate(router, 'corp/fast/v2', u).unpriced, 'unknown_model');
    });

    it('reports a mapped model without a price as that model, unpriced', () => {
      const got = estimate({ cost_basis: 'openai', model_cost_map: [{ match: 'x', as: 'gpt-99' }] }, 'x', u);
      assert.deepEqual([got.dollars, got.costBasis, got.unpriced], [null, 'openai/gpt-99', 'unknown_model']);
    });
  });

  describe('auto_cost_basis', () => {
    const u = usage({ inputTokens: 1_000, outputTokens: 100 });

    it('infers the pricing source from the compatibility flags (default on)', () => {
      const proxy = { baseurl: 'https://llm-proxy.example.com', compatibility: { anthropic_messages: true } };
      assertCost(estimate(proxy, 'claude-sonnet-4-5', u), 1_000 * 3_000 + 100 * 15_000, 'anthropic/claude-sonnet-4-5');
      assertCost(estimate({ baseurl: 'https://llm-proxy.example.com' }, 'gpt-4o', u), 1_000 * 2_500 + 100 * 10_000, 'openai/gpt-4o');
    });

    it('tries each inferred source until one prices the model', () => {
      const both = { baseurl: 'https://llm-proxy.example.com', compatibility: { openai_chat: true, anthropic_messages: true } };
      assert.deepEqual(inferCostBases({ baseurl: both.baseurl, compatibility: ['openai_chat', 'anthropic_messages'] }), ['anthropic', 'openai']);
      assert.equal(estimate(both, 'gpt-4o', u).costBasis, 'openai/gpt-4o');
      assert.equal(estimate(both, 'claude-sonnet-4-5', u).costBasis, 'anthropic/claude-sonnet-4-5');
    });

    it('prefers the compatibility the gateway resolved for the provider', () => {
      const got = estimate({ baseurl: 'https://llm-proxy.example.com' }, 'claude-sonnet-4-5', u, { compatibility: new Set(['anthropic_messages']) });
      assert.equal(got.costBasis, 'anthropic/claude-sonnet-4-5');
    });

    it('names Bedrock and Vertex by their Aperture names when recognised by URL', () => {
      assert.deepEqual(inferCostBases({ baseurl: 'https://bedrock-runtime.eu-west-1.amazonaws.com', compatibility: ['bedrock_converse'] }), ['bedrock']);
      assert.deepEqual(inferCostBases({ baseurl: 'https://us-east5-aiplatform.googleapis.com', compatibility: ['google_raw_predict'] }), ['vertex']);
      assert.deepEqual(inferCostBases({ baseurl: 'https://generativelanguage.googleapis.com', compatibility: ['gemini_generate_content', 'openai_chat'] }), ['google', 'openai']);
    });

    it('infers nothing when turned off: no cost_basis, no price', () => {
      const got = estimate(ANTHROPIC, 'claude-sonnet-4-5', u, { autoCostBasis: false });
      assert.deepEqual([got.dollars, got.costBasis, got.unpriced], [null, null, 'no_cost_basis']);
      assert.equal(estimate({ ...ANTHROPIC, cost_basis: 'anthropic' }, 'claude-sonnet-4-5', u, { autoCostBasis: false }).nanodollars, 1_000 * 3_000 + 100 * 15_000);
    });
  });
});

describe('costConfigIssues', () => {
  it('warns about an unknown cost_basis and an `as` model without a price', () => {
    const issues = costConfigIssues({
      providers: {
        mars: { cost_basis: 'bedrock-mars' },
        anthropic: { ...ANTHROPIC, model_cost_map: [{ match: 'a', as: 'claude-sonnet-4-5' }, { match: 'b', as: 'claude-sonnet-99' }, { match: 'c', adjustment: 2 }] },
        'vertex/eu': { baseurl: 'https://europe-west1-aiplatform.googleapis.com', compatibility: { google_raw_predict: true }, model_cost_map: [{ match: '**', as: 'gemini-2.5-pro' }] },
      },
    });
    assert.deepEqual(
      issues.map((i) => [i.severity, i.path, i.message]),
      [
        ['warning', 'config/providers/mars/cost_basis', 'unknown cost_basis "bedrock-mars"; this provider\'s exchanges are unpriced (expected one of anthropic, openai, google, bedrock, bedrock-us, bedrock-eu, bedrock-ap, vertex, azure, azure-eu, openrouter, vercel, or a provider id of the price data such as groq)'],
        ['warning', 'config/providers/anthropic/model_cost_map/1/as', 'model "claude-sonnet-99" has no known price under cost basis "anthropic"; models matching "b" are unpriced'],
      ],
    );
  });

  it('has nothing to check without a cost basis', () => {
    assert.deepEqual(costConfigIssues({ providers: { p: { ...ANTHROPIC, model_cost_map: [{ match: '*', as: 'nothing' }] } }, autoCostBasis: false }), []);
  });
});
