import assert from 'node:assert/strict';
import { DEFAULT_PLUGINS } from '@tollgate/core';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver, startTestGateway } from '@tollgate/testing';
import { AP, PRICED_MODEL, PROVIDERS, bearer, call } from './support.js';

const KEY = 'sk-alice-0123456789';

/** The seed's Oso wiring (Tailscale's "Integrate Oso with Aperture"), with `estimated_cost` and `quotas` added to its send list. */
function seedConfig(receiver: FakeHookReceiver): Record<string, unknown> {
  return JSON.parse(`{
    "providers": ${JSON.stringify(PROVIDERS)},
    "identity": { "api_keys": { "${KEY}": "alice@example.com" }, "loopback": false },
    "hooks": { "oso": { "url": "${receiver.urlFor('/api/agents/v1/model-request')}", "apikey": "YOUR_OSO_API_KEY" } },
    "quotas": {
      "daily:<user>": { "capacity": "$10.00", "rate": "$5.00/day", "on_exceed": "reject" },
      "org-monthly": { "capacity": "$500.00", "rate": "$500.00/month" }
    },
    "grants": [
      { "src": ["*"], "app": { "${AP}": [
        { "role": "user", "models": "**", "quotas": [{ "bucket": "daily:<user>" }, { "bucket": "org-monthly" }] },
        { "send_hooks": [ { "name": "oso", "events": ["tool_call_entire_request"],
            "send": ["user_message", "tools", "request_body", "response_body", "estimated_cost", "quotas"] } ] }
      ] } }
    ]
  }`);
}

const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

describe('the seed\'s Oso hook with estimated_cost and quotas, on the default plugins', function () {
  this.timeout(20_000);
  let receiver: FakeHookReceiver;
  let gw: TestGateway;

  before(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
    assert.ok(DEFAULT_PLUGINS.some((p) => p.name === 'quotas'), 'quotas is a default plugin');
    gw = await startTestGateway({ config: seedConfig(receiver), plugins: DEFAULT_PLUGINS.map((p) => p.name) });
  });
  after(async () => {
    await gw?.close();
    await receiver?.close();
  });

  it('delivers metadata.estimated_cost and metadata.quotas in Aperture\'s shapes', async () => {
    const res = await call(gw.url, 'POST', '/v1/chat/completions', { model: PRICED_MODEL, messages: [{ role: 'user', content: 'weather in Berlin' }], tools: [WEATHER] }, bearer(KEY));
    assert.equal(res.status, 200, res.text);
    await receiver.waitFor(1);
    const delivery = receiver.deliveries[0];
    assert.ok(delivery !== undefined);
    assert.equal(delivery.headers.authorization, 'Bearer YOUR_OSO_API_KEY');
    const metadata = (delivery.body as { metadata: Record<string, any> }).metadata;  
    const usage = (await gw.exchange(1)).usage;
    const cost = usage.inputTokens * 100 + usage.outputTokens * 400; // gpt-4.1-nano: $0.10 / $0.40 per million tokens

    // {dollars, cost_basis: "provider/model", usage: {input_tokens, output_tokens, cached_tokens, reasoning_tokens}}
    assert.deepEqual(metadata.estimated_cost, {
      dollars: cost / 1e9,
      cost_basis: 'openai/gpt-4.1-nano',
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cached_tokens: 0, reasoning_tokens: 0 },
    });
    // bucket -> {current, capacity} in integer nanodollars, rate as text; the balances after this request's charge.
    assert.deepEqual(metadata.quotas, {
      'daily:alice@example.com': { current: 10_000_000_000 - cost, capacity: 10_000_000_000, rate: '$5.00/day' },
      'org-monthly': { current: 500_000_000_000 - cost, capacity: 500_000_000_000, rate: '$500.00/month' },
    });
    for (const b of Object.values(metadata.quotas) as Array<{ current: number; capacity: number }>) {
      assert.ok(Number.isSafeInteger(b.current) && Number.isSafeInteger(b.capacity));
    }
    // The rest of the payload is the seed's.
    const body = delivery.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['metadata', 'request_body', 'response_body', 'tool_calls', 'user_message']);
    assert.equal(metadata.login_name, 'alice@example.com');
  });
});
