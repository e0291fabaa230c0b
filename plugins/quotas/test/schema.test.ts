import assert from 'node:assert/strict';
import { type ProviderConfig, emptyUsage, validateSection } from '@tollgate/core';
import { ProviderSchema } from '@tollgate/core/internal';
import { AutoCostBasisSchema, QUOTAS_SECTIONS, QuotasOptionsSchema, type QuotasConfig, QuotasSchema, estimateCost } from '@tollgate/plugin-quotas';

const summary = (issues: ReadonlyArray<{ severity: string; path: string; message: string }>): string[] => issues.map((i) => `${i.severity} ${i.path}: ${i.message}`);

describe('schemas', () => {
  it('accepts Aperture\'s quotas section and warns about unknown keys', () => {
    const r = validateSection<QuotasConfig>('config/quotas', QuotasSchema, {
      'daily:<user>': { capacity: '$10.00', rate: '$5.00/day', on_exceed: 'reject' },
      shared: { capacity: '$1.00', rate: '$1.00/hour', burst: true },
    });
    assert.deepEqual(summary(r.issues), ['warning config/quotas/shared/burst: unknown config key "burst"']);
    assert.equal(r.value['daily:<user>']?.capacity, '$10.00');
  });

  it('refuses a quota without capacity or rate, or with a number for a dollar text', () => {
    const r = validateSection('config/quotas', QuotasSchema, { a: { rate: '$1.00/day' }, b: { capacity: 10, rate: '$1.00/day' } });
    assert.deepEqual(summary(r.issues), ['error config/quotas/a/capacity: is required', 'error config/quotas/b/capacity: must be string (got 10)']);
  });

  it('defaults an absent quotas section to none and auto_cost_basis to true', () => {
    assert.deepEqual(validateSection('config/quotas', QuotasSchema, undefined).value, {});
    assert.equal(validateSection('config/auto_cost_basis', AutoCostBasisSchema, undefined).value, true);
    assert.equal(validateSection('config/auto_cost_basis', AutoCostBasisSchema, false).value, false);
    assert.equal(validateSection('config/auto_cost_basis', AutoCostBasisSchema, 'yes').issues[0]?.severity, 'error');
    assert.deepEqual(Object.keys(QUOTAS_SECTIONS), ['quotas', 'auto_cost_basis']);
  });

  it('defaults the plugin options', () => {
    assert.deepEqual(validateSection('plugins.quotas', QuotasOptionsSchema, {}).value, { refuse_unpriced: false, unpriced_warn_interval: '10m', charge_timeout: '5s' });
    assert.equal(validateSection('plugins.quotas', QuotasOptionsSchema, { refuse_unpriced: 'yes' }).issues[0]?.severity, 'error');
  });

  it('core\'s provider schema has cost_basis and model_cost_map (adjustment defaults to 1)', () => {
    const r = validateSection<ProviderConfig>('config/providers/anthropic', ProviderSchema, {
      baseurl: 'https://api.anthropic.com',
      models: ['claude-sonnet-4-5', 'corp-sonnet'],
      compatibility: { anthropic_messages: true },
      cost_basis: 'anthropic',
      model_cost_map: [{ match: 'corp-*', as: 'claude-sonnet-4-5' }],
    });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.value.model_cost_map, [{ match: 'corp-*', as: 'claude-sonnet-4-5', adjustment: 1 }]);
    // The validated provider config is what estimateCost reads.
    assert.equal(estimateCost({ providerId: 'anthropic', providerConfig: r.value, model: 'corp-sonnet', usage: { ...emptyUsage(), inputTokens: 1_000, outputTokens: 100 } }).costBasis, 'anthropic/claude-sonnet-4-5');
  });

  it('refuses a negative adjustment and an empty match, and warns about unknown entry keys', () => {
    const r = validateSection('config/providers/p', ProviderSchema, {
      baseurl: 'https://x.example',
      models: ['m'],
      model_cost_map: [{ match: '', adjustment: -1, note: 'x' }],
    });
    const errors = r.issues.filter((i) => i.severity === 'error').map((i) => i.path);
    assert.ok(errors.includes('config/providers/p/model_cost_map/0/match'), summary(r.issues).join('\n'));
    assert.ok(errors.includes('config/providers/p/model_cost_map/0/adjustment'), summary(r.issues).join('\n'));
    assert.ok(summary(r.issues).includes('warning config/providers/p/model_cost_map/0/note: unknown config key "note"'), summary(r.issues).join('\n'));
  });
});
