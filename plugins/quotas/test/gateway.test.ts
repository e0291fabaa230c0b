import assert from 'node:assert/strict';
import { ESTIMATED_COST, QUOTA_BALANCES } from '@tollgate/core';
import { NEVER_RETRY_AFTER_SECONDS, UNPRICED_CODE } from '@tollgate/plugin-quotas';
import type { TestGateway } from '@tollgate/testing';
import { IDENTITY, KEYS, PRICED_MODEL, PROVIDERS, UNPRICED_MODEL, bearer, buckets, call, chat, fakeClock, quotaGrants, startQuotaGateway } from './support.js';

const $ = 1_000_000_000;
const HOUR = 3_600_000;

/** The four client formats, each asking the mock for `model` as `key`. */
const FORMATS: Record<string, (model: string, key: string) => { path: string; body: unknown; headers: Record<string, string> }> = {
  openai_chat: (model, key) => ({ path: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] }, headers: bearer(key) }),
  openai_responses: (model, key) => ({ path: '/v1/responses', body: { model, input: 'hi' }, headers: bearer(key) }),
  anthropic_messages: (model, key) => ({ path: '/v1/messages', body: { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } }),
  gemini_generate_content: (model, key) => ({ path: `/v1beta/models/${model}:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, headers: { 'x-goog-api-key': key } }),
};

/** The error body each format must answer a quota refusal with (compat spec, section 7). */
function assertQuotaEnvelope(format: string, body: any, message: RegExp): void {  
  if (format === 'openai_chat' || format === 'openai_responses') {
    assert.equal(body.error.type, 'insufficient_quota');
    assert.equal(body.error.code, 'insufficient_quota');
    assert.match(body.error.message, message);
  } else if (format === 'anthropic_messages') {
    assert.deepEqual(Object.keys(body), ['type', 'error']);
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, message);
  } else {
    assert.equal(body.error.code, 429);
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    assert.match(body.error.message, message);
  }
}

describe('quotas over HTTP', function () {
  this.timeout(20_000);
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
  });
  const track = async (p: Promise<TestGateway>): Promise<TestGateway> => {
    const gw = await p;
    gateways.push(gw);
    return gw;
  };

  describe('a $0.00 bucket', () => {
    for (const [format, request] of Object.entries(FORMATS)) {
      it(`refuses on ${format} with 429, Retry-After and the format's quota envelope`, async () => {
        const gw = await track(startQuotaGateway({ quotas: { 'daily:<user>': { capacity: '$0.00', rate: '$0.00/day' }, team: { capacity: '$100.00', rate: '$10.00/day' } } }));
        const { path, body, headers } = request(PRICED_MODEL, KEYS.alice);
        const res = await call(gw.url, 'POST', path, body, headers);
        assert.equal(res.status, 429, res.text);
        assert.equal(res.headers.get('retry-after'), String(NEVER_RETRY_AFTER_SECONDS));
        assertQuotaEnvelope(format, res.body, /quota exceeded: bucket "daily:alice@example.com" is empty/);
        // Nobody without that quota is refused.
        const free = request(PRICED_MODEL, KEYS.free);
        assert.equal((await call(gw.url, 'POST', free.path, free.body, free.headers)).status, 200);
      });
    }
  });

  it('answers an overdrawn bucket with the seconds until it is positive again, and refills it at its rate (fake clock)', async () => {
    const clock = fakeClock();
    const gw = await track(startQuotaGateway({ clock, quotas: { 'daily:<user>': { capacity: '$1.00', rate: '$1.00/hour' } }, grants: quotaGrants(['daily:<user>']) }));
    const set = await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'daily:alice@example.com', balance: '-$0.50' }, bearer(KEYS.admin));
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.bucket.current, -0.5 * $);

    // $1.00/hour is 277.7 nanodollars per millisecond. From -$0.50: 1800 s to $0.00, 3.6 µs more to one nanodollar.
    let res = await chat(gw.url, KEYS.alice);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1801');
    clock.advance(HOUR / 4);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, -0.25 * $);
    res = await chat(gw.url, KEYS.alice);
    assert.equal(res.headers.get('retry-after'), '901');
    clock.advance(HOUR / 4);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 0);
    assert.equal((await chat(gw.url, KEYS.alice)).headers.get('retry-after'), '1');
    clock.advance(1);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 277);
    clock.advance(2);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 833, 'the fractions carried over add up: 3 ms is 833.3 nanodollars');
    res = await chat(gw.url, KEYS.alice);
    assert.equal(res.status, 200, res.text);
    // A day later the bucket is full again, never above capacity.
    clock.advance(24 * HOUR);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 1 * $);
  });

  it('charges the estimated cost, publishes it and the balances after the charge, and never cuts a running stream', async () => {
    const clock = fakeClock();
    const gw = await track(startQuotaGateway({ clock, quotas: { 'daily:<user>': { capacity: '$0.0001', rate: '$0.00/day' }, team: { capacity: '$10.00', rate: '$1.00/day' } } }));
    const res = await chat(gw.url, KEYS.alice);
    assert.equal(res.status, 200, res.text);
    const exchange = await gw.exchange(1);
    const { inputTokens, outputTokens } = exchange.usage;
    // gpt-4.1-nano: $0.10 and $0.40 per million tokens = 100 and 400 nanodollars per token.
    const cost = inputTokens * 100 + outputTokens * 400;
    assert.deepEqual(exchange.state.get(ESTIMATED_COST), {
      dollars: cost / $,
      cost_basis: 'openai/gpt-4.1-nano',
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cached_tokens: 0, reasoning_tokens: 0 },
    });
    assert.deepEqual(exchange.state.get(QUOTA_BALANCES), {
      'daily:alice@example.com': { current: 100_000 - cost, capacity: 100_000, rate: '$0.00/day' },
      team: { current: 10 * $ - cost, capacity: 10 * $, rate: '$1.00/day' },
    });

    // A stream whose own cost overdraws the bucket runs to its end.
    const before = (await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current;
    assert.ok(before > 0);
    const long = 'x'.repeat(4_000);
    const stream = await chat(gw.url, KEYS.alice, PRICED_MODEL, { stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: long }] });
    assert.equal(stream.status, 200);
    assert.match(stream.text, /data: \[DONE\]/);
    const streamed = await gw.exchange(2);
    const streamCost = streamed.usage.inputTokens * 100 + streamed.usage.outputTokens * 400;
    assert.ok(streamCost > before, 'the stream costs more than what was left');
    const after = (await buckets(gw.url, KEYS.alice))['daily:alice@example.com'];
    assert.equal(after.current, before - streamCost);
    assert.ok(after.current < 0);
    // Now the bucket refuses, and never refills by itself ($0.00/day).
    const refused = await chat(gw.url, KEYS.alice);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), String(NEVER_RETRY_AFTER_SECONDS));
    // Bob's own daily bucket is untouched; the shared team bucket carries both of Alice's charges.
    const admin = await buckets(gw.url, KEYS.admin);
    assert.equal(admin.team.current, 10 * $ - cost - streamCost);
    assert.equal((await buckets(gw.url, KEYS.bob))['daily:bob@example.com'].current, 100_000);
  });

  it('prices an unknown model as null, never 0, charges nothing, and warns once per model', async () => {
    const gw = await track(startQuotaGateway({ quotas: { 'daily:<user>': { capacity: '$1.00', rate: '$1.00/day' }, team: { capacity: '$1.00', rate: '$1.00/day' } } }));
    for (let i = 0; i < 3; i++) assert.equal((await chat(gw.url, KEYS.alice, UNPRICED_MODEL)).status, 200);
    const exchange = await gw.exchange(3);
    const cost = exchange.state.get(ESTIMATED_COST);
    assert.ok(cost !== undefined);
    assert.equal(cost.dollars, null);
    assert.equal(cost.cost_basis, `openai/${UNPRICED_MODEL}`);
    assert.ok(exchange.usage.inputTokens > 0);
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 1 * $);
    const warnings = gw.logs.lines.filter((l) => l.plugin === 'quotas' && typeof l.msg === 'string' && l.msg.startsWith('model has no known price'));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.model, UNPRICED_MODEL);
    // GET /api/models: prices for the priced model, null for the other.
    const models = await call(gw.url, 'GET', '/api/models', undefined, bearer(KEYS.alice));
    const byId = Object.fromEntries((models.body.models as Array<{ id: string; pricing: unknown }>).map((m) => [m.id, m.pricing]));
    assert.deepEqual(byId[PRICED_MODEL], { input_per_mtok: 0.1, output_per_mtok: 0.4, cached_input_per_mtok: 0.025, cost_basis: 'openai/gpt-4.1-nano' });
    assert.equal(byId[UNPRICED_MODEL], null);
  });

  it('counts the built-in mock LLM without a cost_basis as unpriced, without warning about it', async () => {
    const gw = await track(startQuotaGateway({ quotas: {}, grants: quotaGrants([]), extra: { providers: { mock: { baseurl: 'mock://', models: [UNPRICED_MODEL] } } } }));
    assert.equal((await chat(gw.url, KEYS.free, UNPRICED_MODEL)).status, 200);
    assert.equal((await gw.exchange(1)).state.get(ESTIMATED_COST)?.dollars, null);
    assert.equal(gw.logs.lines.filter((l) => l.level >= 40).length, 0, gw.logs.text);
  });

  it('refuses unpriced models for callers under a quota with refuse_unpriced, and only for them', async () => {
    const gw = await track(startQuotaGateway({ options: { refuse_unpriced: true }, quotas: { 'daily:<user>': { capacity: '$1.00', rate: '$1.00/day' }, team: { capacity: '$1.00', rate: '$1.00/day' } } }));
    const refused = await chat(gw.url, KEYS.alice, UNPRICED_MODEL);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, UNPRICED_CODE);
    assert.equal((await chat(gw.url, KEYS.alice)).status, 200);
    assert.equal((await chat(gw.url, KEYS.free, UNPRICED_MODEL)).status, 200);
  });

  it('fails closed on a quota that cannot be parsed, and on a reference to an undefined quota', async () => {
    const gw = await track(startQuotaGateway({ quotas: { 'daily:<user>': { capacity: '$1O.00', rate: '$1.00/day' }, team: { capacity: '$1.00', rate: '$1.00/day' } } }));
    const warning = gw.logs.lines.find((l) => l.path === 'plugins.quotas/quotas/daily:<user>/capacity');
    assert.ok(warning, 'a load-time warning names the field');
    const res = await chat(gw.url, KEYS.alice);
    assert.equal(res.status, 429);
    assert.match(res.body.error.message, /quota "daily:<user>" cannot be parsed/);
    assert.equal(res.headers.get('retry-after'), String(NEVER_RETRY_AFTER_SECONDS));
    const listed = await call(gw.url, 'GET', '/api/quotas', undefined, bearer(KEYS.admin));
    assert.deepEqual(listed.body.invalid.map((i: { quota: string }) => i.quota), ['daily:<user>']);

    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants(), quotas: { 'daily:<user>': { capacity: '$1.00', rate: '$1.00/day' } } });
    const undefinedRef = await chat(gw.url, KEYS.alice);
    assert.equal(undefinedRef.status, 429);
    assert.match(undefinedRef.body.error.message, /quota "team" is not defined/);
    // Also when there is no quotas section at all (the grants plugin warns about each reference).
    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants() });
    assert.equal((await chat(gw.url, KEYS.alice)).status, 429);
    assert.equal((await chat(gw.url, KEYS.free)).status, 200);
  });
});
