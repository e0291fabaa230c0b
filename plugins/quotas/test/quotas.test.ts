import assert from 'node:assert/strict';
import { type Identity, apiError, createIdentity, validateSection } from '@tollgate/core';
import { anthropicMessagesFormat, geminiFormat, openAiChatFormat, openAiResponsesFormat } from '@tollgate/core/formats';
import { type GrantsConfig, GrantsPlugin, GrantsSchema } from '@tollgate/plugin-grants';
import {
  type BucketSnapshot,
  type CompiledQuota,
  NEVER_RETRY_AFTER_SECONDS,
  QUOTA_CODE,
  type QuotaDefinition,
  type QuotasConfig,
  QuotasSchema,
  admit,
  chainAdmits,
  chainAvailable,
  chargeBucket,
  compileQuotas,
  parseMoney,
  parseRate,
  planChainCharge,
  quotaDenial,
  resolveBucketName,
  resolveQuotas,
} from '@tollgate/plugin-quotas';

const $ = (text: string): number => parseMoney(text, { allowNegative: true });
const T0 = Date.UTC(2026, 0, 1);
const AP = 'tailscale.com/cap/aperture';

const alice = createIdentity({ login: 'alice@example.com', resolver: 'test', stableNodeId: 'nAlice1CNTRL' });
const ci = createIdentity({ login: 'tag:ci,tag:prod', tags: ['tag:ci', 'tag:prod'], resolver: 'tailscale', stableNodeId: 'nCI' });
const keyUser = createIdentity({ login: 'bob@example.com', resolver: 'api-keys' });

function quotas(section: Record<string, unknown>): ReadonlyMap<string, CompiledQuota> {
  const validated = validateSection<QuotasConfig>('config/quotas', QuotasSchema, section);
  assert.deepEqual(validated.issues.filter((i) => i.severity === 'error'), []);
  return compileQuotas(validated.value).quotas;
}

function definition(map: ReadonlyMap<string, CompiledQuota>, name: string): QuotaDefinition {
  const d = map.get(name);
  assert.ok(d?.ok, `${name} should be valid`);
  return d;
}

describe('compileQuotas', () => {
  it('parses capacity and rate into limits', () => {
    const d = definition(quotas({ 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day', on_exceed: 'reject' } }), 'daily:<user>');
    assert.equal(d.limits.capacity, 10_000_000_000);
    assert.equal(d.limits.rate.text, '$5.00/day');
    assert.equal(d.onExceed, 'reject');
  });

  it('makes an unparsable quota fail closed and warns with its path', () => {
    const { quotas: map, issues } = compileQuotas({ 'daily:<user>': { capacity: '$1O.00', rate: '$5.00/fortnight' }, 'team:<team>': { capacity: '$1.00', rate: '$1.00/day' } });
    const bad = map.get('daily:<user>');
    assert.ok(bad !== undefined && !bad.ok);
    assert.match(bad.reason, /"\$1O\.00" is not a dollar amount.*unknown rate unit "fortnight"/);
    assert.deepEqual(
      issues.map((i) => [i.severity, i.path]),
      [
        ['warning', 'plugins.quotas/quotas/daily:<user>/capacity'],
        ['warning', 'plugins.quotas/quotas/daily:<user>/rate'],
        ['warning', 'plugins.quotas/quotas/team:<team>'],
      ],
    );
    assert.match(issues[0]!.message, /requests charged to quota "daily:<user>" are refused \(429\)/);
    assert.equal(map.get('team:<team>')?.ok, false);
  });

  it('warns about an unknown on_exceed and rejects anyway', () => {
    const { quotas: map, issues } = compileQuotas({ shared: { capacity: '$1.00', rate: '$1.00/day', on_exceed: 'warn' } });
    assert.equal(map.get('shared')?.ok, true);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /unknown on_exceed "warn"; the bucket rejects when empty/);
  });
});

describe('bucket name templates', () => {
  it('fills <user> with the login or the tag combination, <node> with the node id', () => {
    assert.deepEqual(resolveBucketName('daily:<user>', alice), { ok: true, name: 'daily:alice@example.com' });
    assert.deepEqual(resolveBucketName('daily:<user>', ci), { ok: true, name: 'daily:tag:ci,tag:prod' });
    assert.deepEqual(resolveBucketName('dev:<node>:<user>', alice), { ok: true, name: 'dev:nAlice1CNTRL:alice@example.com' });
    assert.deepEqual(resolveBucketName('shared', alice), { ok: true, name: 'shared' });
  });

  it('takes a login literally (no replacement patterns)', () => {
    const odd = createIdentity({ login: "a$&b$'c@example.com", resolver: 'test' });
    assert.deepEqual(resolveBucketName('d:<user>', odd), { ok: true, name: "d:a$&b$'c@example.com" });
  });

  it('cannot fill <node> for a caller without a node id, nor an unknown template', () => {
    assert.equal(resolveBucketName('dev:<node>', keyUser).ok, false);
    const unknown = resolveBucketName('t:<team>', alice);
    assert.ok(!unknown.ok);
    assert.match(unknown.reason, /unsupported template "<team>"/);
  });
});

describe('resolveQuotas with capabilities from the grants plugin', () => {
  const map = quotas({
    'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' },
    'opus:<user>': { capacity: '$2.00', rate: '$1.00/day' },
    team: { capacity: '$100.00', rate: '$50.00/week' },
    broken: { capacity: 'ten dollars', rate: '$1.00/day' },
    'dev:<node>': { capacity: '$1.00', rate: '$1.00/hour' },
  });
  const grants = (list: unknown[]): GrantsPlugin => {
    const validated = validateSection<GrantsConfig>('config/grants', GrantsSchema, list);
    assert.deepEqual(validated.issues.filter((i) => i.severity === 'error'), []);
    return new GrantsPlugin({ grants: validated.value });
  };
  const policy = grants([
    { src: ['*'], app: { [AP]: [{ role: 'user' }, { models: '**' }, { quotas: [{ bucket: 'daily:<user>' }] }] } },
    { src: ['group:eng', 'alice@example.com'], app: { [AP]: [{ quotas: [{ bucket: 'team' }, { bucket: 'daily:<user>' }] }] } },
    { src: ['*'], app: { [AP]: [{ models: 'anthropic/claude-opus*', quotas: [{ bucket: 'opus:<user>' }] }] } },
  ]);
  const bucketsOf = (who: Identity, provider: string, model: string): string[] => {
    const r = resolveQuotas({ capabilities: policy.effective(who, provider, model), quotas: map, identity: who });
    assert.ok(r.ok, JSON.stringify(r));
    return r.buckets.map((b) => b.name);
  };

  it('collects the buckets of every matching grant, each once', () => {
    assert.deepEqual(bucketsOf(alice, 'openai', 'gpt-5'), ['daily:alice@example.com', 'team']);
    assert.deepEqual(bucketsOf(ci, 'openai', 'gpt-5'), ['daily:tag:ci,tag:prod']);
  });

  it('counts a model-scoped capability only when the model matches', () => {
    assert.deepEqual(bucketsOf(alice, 'anthropic', 'claude-opus-4-5'), ['daily:alice@example.com', 'team', 'opus:alice@example.com']);
    assert.deepEqual(bucketsOf(ci, 'anthropic', 'claude-sonnet-4-5'), ['daily:tag:ci,tag:prod']);
  });

  it('has nothing to enforce without references or without the grants plugin', () => {
    assert.deepEqual(resolveQuotas({ capabilities: { quotas: [] }, quotas: map, identity: alice }), { ok: true, buckets: [] });
    assert.deepEqual(resolveQuotas({ capabilities: undefined, quotas: map, identity: alice }), { ok: true, buckets: [] });
  });

  it('fails closed on an undefined, unparsable or unfillable quota, listing every problem', () => {
    const r = resolveQuotas({
      capabilities: { quotas: [{ bucket: 'daily:<user>' }, { bucket: 'nope' }, { bucket: 'broken' }, { bucket: 'dev:<node>' }, { name: 'x' }] },
      quotas: map,
      identity: keyUser,
    });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.failures.map((f) => f.bucket),
      ['nope', 'broken', 'dev:<node>', '{"name":"x"}'],
    );
    assert.match(r.failures[1]!.reason, /quota "broken" cannot be parsed: "ten dollars" is not a dollar amount/);
    const denial = quotaDenial(r);
    assert.equal(denial.status, 429);
    assert.equal(denial.headers?.['Retry-After'], String(NEVER_RETRY_AFTER_SECONDS));
  });
});

describe('admission and refusal', () => {
  const map = quotas({ 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' }, team: { capacity: '$100.00', rate: '$1.00/hour' }, zero: { capacity: '$0.00', rate: '$5.00/day' } });
  const snap = (name: string, template: string, state?: ReturnType<typeof chargeBucket>): BucketSnapshot => ({ name, limits: definition(map, template).limits, state });

  it('admits when every bucket is positive (a bucket never charged is full)', () => {
    const result = admit([snap('daily:alice@example.com', 'daily:<user>'), snap('team', 'team', { balance: 1, carry: 0, updatedAt: T0 })], T0);
    assert.ok(result.admitted);
    assert.deepEqual(
      result.buckets.map((b) => [b.name, b.state.balance]),
      [
        ['daily:alice@example.com', $('$10.00')],
        ['team', 1],
      ],
    );
  });

  it('refuses when one bucket is empty, with the longest wait as Retry-After', () => {
    const daily = snap('daily:alice@example.com', 'daily:<user>', { balance: $('-$1.00'), carry: 0, updatedAt: T0 });
    const team = snap('team', 'team', { balance: 0, carry: 0, updatedAt: T0 });
    const result = admit([daily, team, snap('other', 'team')], T0);
    assert.ok(!result.admitted);
    assert.deepEqual(result.exhausted, ['daily:alice@example.com', 'team']);
    // daily: (1e9 + 1) nanodollars at $5/day = 17,280.0003 s → 17,281; team: 1 nanodollar at $1/hour → 1 s.
    assert.equal(result.retryAfterSeconds, 17_281);
    const denial = quotaDenial(result);
    assert.deepEqual({ ...denial, message: undefined }, { status: 429, kind: 'quota', code: QUOTA_CODE, message: undefined, headers: { 'Retry-After': '17281' }, by: 'quotas' });
    assert.equal(denial.message, 'quota exceeded: buckets "daily:alice@example.com", "team" are empty');
  });

  it('refuses every request against a $0.00 bucket, for good', () => {
    const result = admit([snap('zero', 'zero')], T0 + 365 * 86_400_000);
    assert.ok(!result.admitted);
    assert.equal(result.retryAfterSeconds, null);
    assert.equal(quotaDenial(result).headers?.['Retry-After'], String(NEVER_RETRY_AFTER_SECONDS));
  });

  it('admits again once the fake clock has refilled the bucket', () => {
    const daily = snap('d', 'daily:<user>', chargeBucket(undefined, definition(map, 'daily:<user>').limits, T0, $('$10.50')));
    const refused = admit([daily], T0);
    assert.ok(!refused.admitted);
    const wait = refused.retryAfterSeconds!;
    assert.equal(admit([daily], T0 + (wait - 1) * 1000).admitted, false);
    assert.equal(admit([daily], T0 + wait * 1000).admitted, true);
  });

  it('answers in each API format\'s quota envelope (the spec\'s table)', () => {
    const denial = quotaDenial({ admitted: false, exhausted: ['b'], retryAfterSeconds: 5 });
    const error = apiError(denial.kind!, denial.message, { status: denial.status!, code: denial.code!, headers: denial.headers! });
    assert.deepEqual(openAiChatFormat.errorBody(error), { error: { message: denial.message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
    assert.deepEqual(openAiResponsesFormat.errorBody(error), openAiChatFormat.errorBody(error));
    assert.deepEqual(anthropicMessagesFormat.errorBody(error), { type: 'error', error: { type: 'rate_limit_error', message: denial.message } });
    assert.deepEqual(geminiFormat.errorBody(error), { error: { code: 429, message: denial.message, status: 'RESOURCE_EXHAUSTED' } });
  });
});

describe('overdraft chains (provisional, not in the config)', () => {
  const limits = { capacity: $('$10.00'), rate: parseRate('$1.00/day') };
  const link = (name: string, balance: number) => ({ name, limits, state: { balance, carry: 0, updatedAt: T0 } });

  it('charges the primary first and borrows the rest down the chain; the last may go negative', () => {
    const chain = [link('primary', $('$1.00')), link('team', $('$2.00')), link('org', $('$0.50'))];
    assert.deepEqual(planChainCharge(chain, T0, $('$2.50')), [
      { name: 'primary', amount: $('$1.00') },
      { name: 'team', amount: $('$1.50') },
      { name: 'org', amount: 0 },
    ]);
    assert.deepEqual(planChainCharge(chain, T0, $('$5.00')), [
      { name: 'primary', amount: $('$1.00') },
      { name: 'team', amount: $('$2.00') },
      { name: 'org', amount: $('$2.00') },
    ]);
  });

  it('is refused only when the whole chain cannot cover it, and stays blocked while the last bucket owes', () => {
    assert.equal(chainAdmits([link('primary', 0), link('team', $('$0.01'))], T0), true);
    assert.equal(chainAdmits([link('primary', 0), link('team', 0)], T0), false);
    assert.equal(chainAvailable([link('primary', $('$1.00')), link('org', $('-$3.00'))], T0), $('-$2.00'));
    assert.equal(chainAdmits([link('primary', $('$1.00')), link('org', $('-$3.00'))], T0), false);
    // A day later the primary has refilled by $1.00 and the org by $1.00: 2 + (-2) is still 0.
    assert.equal(chainAdmits([link('primary', $('$1.00')), link('org', $('-$3.00'))], T0 + 86_400_000), false);
    assert.equal(chainAdmits([link('primary', $('$1.00')), link('org', $('-$3.00'))], T0 + 86_400_000 + 1), true);
  });
});
