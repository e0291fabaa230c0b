import assert from 'node:assert/strict';
import { ESTIMATED_COST, type PluginHost, STAGE_GUARDRAIL, type TollgatePlugin } from '@tollgate/core';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver, startTestGateway } from '@tollgate/testing';
import { type Sample, parsePrometheus, sum } from './prometheus-text.js';

const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } });

/** Blocks `bash` calls that say `rm -rf`, strips every `secret_tool` call. */
const policy: TollgatePlugin = {
  name: 'policy',
  apply(host: PluginHost) {
    host.hooks.onToolCall.tap({ name: 'policy', stage: STAGE_GUARDRAIL }, ({ call }) => {
      if (call.name === 'bash' && String(call.params.command).includes('rm -rf')) return { message: 'no rm -rf', action: 'block' };
      if (call.name === 'secret_tool') return { message: 'not for you', action: 'strip' };
      return undefined;
    });
  },
};

/** Prices every answered request at $0.25, except those whose user message says "free" (unpriced). */
const pricing: TollgatePlugin = {
  name: 'pricing',
  apply(host: PluginHost) {
    host.hooks.settle.tap('pricing', (e) => {
      if (e.upstreamStatus !== 200 || e.userMessage.includes('free')) return;
      e.state.set(ESTIMATED_COST, { dollars: 0.25, cost_basis: 'mock/mock-1', usage: { input_tokens: e.usage.inputTokens, output_tokens: e.usage.outputTokens, cached_tokens: 0, reasoning_tokens: 0 } });
    });
  },
};

let storeUp = true;
/** Reports a `capture_store` component whose health the test switches. */
const store: TollgatePlugin = {
  name: 'fake-store',
  apply(host: PluginHost) {
    host.hooks.checkHealth.tapPromise('fake-store', async (report) => report.set('capture_store', storeUp, 'connection refused'));
  },
};

describe('metrics plugin: /metrics after traffic', function () {
  let gw: TestGateway;
  let receiver: FakeHookReceiver;

  before(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.status(400), '/bad');
    receiver.reply(hookReply.ok(), '/flaky');
    receiver.replyNext([hookReply.status(503)], '/flaky');
    gw = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
        grants: [
          {
            src: ['*'],
            app: {
              'tailscale.com/cap/aperture': [
                { role: 'admin' },
                { models: '**', send_hooks: [{ name: 'bad', events: ['entire_request'] }, { name: 'flaky', events: ['entire_request'] }] },
              ],
            },
          },
        ],
        hooks: { bad: { url: receiver.urlFor('/bad') }, flaky: { url: receiver.urlFor('/flaky') } },
      },
      plugins: ['grants', ['webhook', { spool: { enabled: false }, delivery: { retry_initial: '10ms', retry_max: '20ms' } }], 'metrics', policy, pricing, store],
    });
  });
  after(async () => {
    await gw?.close();
    await receiver?.close();
  });

  const scrape = async (headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; samples: Sample[]; types: Map<string, string> }> => {
    const res = await fetch(`${gw.url}/metrics`, { headers });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), ...(res.status === 200 ? parsePrometheus(text) : { samples: [], types: new Map() }) };
  };
  const chat = (content: string, tools: string[] = [], model = 'mock-1') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...(tools.length === 0 ? {} : { tools: tools.map(tool) }) }),
    });

  it('counts requests, tokens, cost, tool-call decisions and hook deliveries by the right amounts', async () => {
    const before = await scrape();
    assert.equal(before.status, 200);
    assert.match(before.contentType ?? '', /^text\/plain; version=0\.0\.4/);

    const statuses = [];
    statuses.push((await chat('hello')).status); // priced
    statuses.push((await chat('hello, for free')).status); // answered, unpriced
    statuses.push((await chat('read_file /etc/hosts', ['read_file'])).status); // tool call allowed
    statuses.push((await chat('run rm -rf /tmp/x', ['bash'])).status); // blocked
    statuses.push((await chat('use secret_tool', ['secret_tool'])).status); // stripped
    statuses.push((await chat('hello', [], 'no-such-model')).status); // 404, never routed
    assert.deepEqual(statuses, [200, 200, 200, 403, 200, 404]);
    await gw.exchange(6);
    // Five exchanges reached the provider: each goes to both hooks. "bad" answers 400 (given up,
    // not retried); "flaky" answers 503 once, then 200.
    await receiver.waitFor((d) => d.filter((x) => x.path === '/bad').length === 5 && d.filter((x) => x.path === '/flaky').length === 6, 10_000);

    let after = await scrape();
    for (let i = 0; i < 50 && sum(after.samples, 'tollgate_hook_deliveries_total', { hook: 'flaky' }) < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await scrape();
    }
    const delta = (name: string, labels: Record<string, string> = {}) => sum(after.samples, name, labels) - sum(before.samples, name, labels);

    const routed = { format: 'openai_chat', provider: 'mock', model: 'mock-1' };
    assert.equal(delta('tollgate_requests_total', { ...routed, status: '200' }), 4);
    assert.equal(delta('tollgate_requests_total', { ...routed, status: '403' }), 1);
    assert.equal(delta('tollgate_requests_total', { format: 'openai_chat', provider: '', model: '', status: '404' }), 1, 'an unknown model is not a label value');
    assert.equal(delta('tollgate_request_duration_seconds_count', routed), 5);
    assert.equal(delta('tollgate_time_to_first_byte_seconds_count', routed), 5);

    const exchanges = gw.exchanges.filter((e) => e.provider !== undefined);
    const input = exchanges.reduce((a, e) => a + e.usage.inputTokens, 0);
    const output = exchanges.reduce((a, e) => a + e.usage.outputTokens, 0);
    assert.ok(input > 0 && output > 0);
    assert.equal(delta('tollgate_tokens_total', { provider: 'mock', model: 'mock-1', type: 'input' }), input);
    assert.equal(delta('tollgate_tokens_total', { provider: 'mock', model: 'mock-1', type: 'output' }), output);

    // Four answered with 200 (the blocked one answered 200 upstream too): three priced at $0.25, one "free".
    assert.equal(delta('tollgate_cost_dollars_total', { provider: 'mock', model: 'mock-1' }), 1);
    assert.equal(delta('tollgate_unpriced_requests_total', { provider: 'mock', model: 'mock-1' }), 1);

    assert.equal(delta('tollgate_tool_calls_total', { decision: 'allow', plugin: '' }), 1);
    assert.equal(delta('tollgate_tool_calls_total', { decision: 'block', plugin: 'policy' }), 1);
    assert.equal(delta('tollgate_tool_calls_total', { decision: 'strip', plugin: 'policy' }), 1);

    assert.equal(delta('tollgate_hook_delivery_failures_total', { hook: 'bad' }), 5);
    assert.equal(delta('tollgate_hook_deliveries_total', { hook: 'bad' }), 0);
    assert.equal(delta('tollgate_hook_delivery_retries_total', { hook: 'bad' }), 0);
    assert.equal(delta('tollgate_hook_deliveries_total', { hook: 'flaky' }), 5);
    assert.equal(delta('tollgate_hook_delivery_retries_total', { hook: 'flaky' }), 1);
    assert.equal(delta('tollgate_hook_delivery_failures_total', { hook: 'flaky' }), 0);
    assert.equal(sum(after.samples, 'tollgate_hook_queue_depth', { hook: 'flaky' }), 0);
    assert.equal(sum(after.samples, 'tollgate_hook_events_dropped_total', { hook: 'bad' }), 0);

    assert.equal(after.types.get('tollgate_requests_total'), 'counter');
    assert.equal(after.types.get('tollgate_request_duration_seconds'), 'histogram');
    assert.equal(after.types.get('tollgate_hook_delivery_failures_total'), 'counter');
    assert.equal(after.types.get('tollgate_hook_queue_depth'), 'gauge');
  });

  it('exports component health and process metrics', async () => {
    storeUp = true;
    let m = await scrape();
    assert.equal(sum(m.samples, 'tollgate_component_up', { component: 'capture_store' }), 1);
    assert.ok(m.samples.some((s) => s.name === 'process_cpu_user_seconds_total'));
    assert.ok(m.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
    assert.equal(m.samples.filter((s) => s.name === 'tollgate_info').length, 1);
    storeUp = false;
    m = await scrape();
    assert.equal(sum(m.samples, 'tollgate_component_up', { component: 'capture_store' }), 0);
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { reason: string }).reason, 'capture_store is down: connection refused');
    storeUp = true;
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  });
});

describe('metrics plugin: who may read /metrics', () => {
  const grants = (caps: object[]) => [{ src: ['*'], app: { 'tailscale.com/cap/aperture': caps } }];
  const start = (g: object[], metrics: unknown = 'metrics') =>
    startTestGateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } }, grants: g }, plugins: ['grants', metrics as string] });

  it('a user without read_metrics gets 403 problem+json; read_metrics or admin may read', async () => {
    const user = await start(grants([{ role: 'user' }]));
    try {
      const res = await fetch(`${user.url}/metrics`);
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.match(((await res.json()) as { detail: string }).detail, /read_metrics/);
    } finally {
      await user.close();
    }
    const reader = await start(grants([{ role: 'user' }, { read_metrics: true }]));
    try {
      assert.equal((await fetch(`${reader.url}/metrics`)).status, 200);
    } finally {
      await reader.close();
    }
  });

  it('a second gateway in the same process has its own counters', async () => {
    const a = await start(grants([{ role: 'admin' }, { models: '**' }]));
    const b = await start(grants([{ role: 'admin' }, { models: '**' }]));
    try {
      await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }) });
      await a.exchange(1);
      const count = async (url: string) => sum(parsePrometheus(await (await fetch(`${url}/metrics`)).text()).samples, 'tollgate_requests_total');
      assert.equal(await count(a.url), 1);
      assert.equal(await count(b.url), 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('`public: true` serves it without identifying the caller, at another path', async () => {
    const gw = await start(grants([]), ['metrics', { public: true, path: '/prom' }]);
    try {
      assert.equal((await fetch(`${gw.url}/prom`)).status, 200);
    } finally {
      await gw.close();
    }
  });
});
