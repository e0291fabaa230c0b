import assert from 'node:assert/strict';
import type { TestGateway } from '@tollgate/testing';
import { type FakeHookReceiver, startFakeHookReceiver } from '@tollgate/testing';
import type { PluginInput } from '@tollgate/core';
import { ESTIMATED_COST, type EstimatedCost, QUOTA_BALANCES, type QuotaBalance } from '@tollgate/core';
import { getWebhookHooks } from '@tollgate/plugin-webhook';
import { type ClientResponse, WEATHER_TOOL, caps, chat, startHookGateway, wiring } from './helpers.js';

const EVENTS = ['pre_request', 'entire_request', 'tool_call_entire_request'] as const;
const SENDS = ['user_message', 'request_body', 'response_body', 'raw_responses', 'tools', 'estimated_cost', 'grants', 'quotas'] as const;
const POST_ONLY = new Set(['response_body', 'raw_responses', 'tools']);

const COST: EstimatedCost = { dollars: 0.0042, cost_basis: 'mock/mock-1', usage: { input_tokens: 12, output_tokens: 7, cached_tokens: 0, reasoning_tokens: 0 } };
const QUOTAS: Record<string, QuotaBalance> = { 'daily:alice@example.com': { current: 4_000_000_000, capacity: 5_000_000_000, rate: '$5.00/day' } };
const CUSTOM = { 'example.com/cap/policy': [{ tier: 'gold' }, { region: 'eu' }] };

/** One hook per (event, send value), one per event with nothing to send, one per event with everything. */
function matrixHooks(receiver: FakeHookReceiver): { hooks: Record<string, unknown>; wirings: ReturnType<typeof wiring>[] } {
  const hooks: Record<string, unknown> = {};
  const wirings = [];
  for (const event of EVENTS) {
    for (const send of [...SENDS, 'none', 'all'] as const) {
      const name = `${event}.${send}`;
      hooks[name] = { url: receiver.urlFor(`/${name}`) };
      wirings.push(wiring(name, [event], send === 'none' ? [] : send === 'all' ? [...SENDS] : [send]));
    }
  }
  return { hooks, wirings };
}

/** The payload a hook must get, built from what the client sent and got. */
function expected(event: (typeof EVENTS)[number], send: readonly string[], request: Record<string, unknown>, response: ClientResponse, withState: boolean): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    login_name: 'alice@example.com',
    user_agent: 'webhook-test/1.0',
    url: '/v1/chat/completions',
    model: 'mock-1',
    provider: 'mock',
    tailnet_name: 'example.ts.net',
    stable_node_id: 'nStable123CNTRL',
    request_id: response.headers.get('x-request-id'),
    session_id: 'sess-42',
  };
  if (send.includes('estimated_cost') && withState) metadata.estimated_cost = COST;
  if (send.includes('grants')) metadata.grants = CUSTOM;
  if (send.includes('quotas') && withState) metadata.quotas = QUOTAS;
  const out: Record<string, unknown> = { metadata };
  const allowed = (v: string): boolean => send.includes(v) && (event !== 'pre_request' || !POST_ONLY.has(v));
  const messages = request.messages as Array<{ content: string }>;
  if (allowed('user_message')) out.user_message = messages[messages.length - 1]?.content;
  if (allowed('request_body')) out.request_body = request;
  if (allowed('response_body')) out.response_body = response.body;
  if (allowed('raw_responses')) out.raw_responses = [response.body];
  if (allowed('tools')) {
    const calls = (response.body.choices[0].message.tool_calls ?? []) as Array<{ function: { name: string; arguments: string } }>;
    out.tool_calls = calls.map((c) => ({ name: c.function.name, params: JSON.parse(c.function.arguments) }));
  }
  return out;
}

/**
 * `raw_responses` of an OpenAI chat stream whose client did not ask for usage: the provider's
 * events, i.e. what the client got, then the usage chunk the gateway asked for and kept from it.
 */
function assertProviderEvents(raw: unknown[] | undefined, clientChunks: readonly unknown[]): void {
  assert.deepEqual(raw?.slice(0, -1), clientChunks);
  const last = raw?.at(-1) as { choices?: unknown[]; usage?: { total_tokens?: number } };
  assert.deepEqual(last.choices, []);
  assert.ok((last.usage?.total_tokens ?? 0) > 0);
  assert.ok(clientChunks.every((c) => (c as { choices: unknown[] }).choices.length > 0), 'the client never gets the usage chunk');
}

describe('webhook payload (HookCallData)', () => {
  let receiver: FakeHookReceiver;
  let gw: TestGateway;
  let withState = true;

  before(async () => {
    receiver = await startFakeHookReceiver();
    const { hooks, wirings } = matrixHooks(receiver);
    gw = await startHookGateway({
      hooks,
      caps: caps(wirings, { custom: CUSTOM }),
      also: (ctx) => {
        if (!withState) return;
        ctx.state.set(ESTIMATED_COST, COST);
        ctx.state.set(QUOTA_BALANCES, QUOTAS);
      },
    });
  });
  after(async () => {
    await gw.close();
    await receiver.close();
  });

  for (const stateKnown of [true, false]) {
    it(`sends every event × send combination exactly as specified (${stateKnown ? 'cost and quotas known' : 'cost and quotas unknown'})`, async () => {
      withState = stateKnown;
      const start = receiver.deliveries.length;
      const request = { model: 'mock-1', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'weather in Paris?' }], tools: [WEATHER_TOOL] };
      const response = await chat(gw, undefined, request, { 'x-session-id': 'sess-42' });
      assert.equal(response.status, 200);
      assert.ok(response.body.choices[0].message.tool_calls.length > 0, 'the mock LLM made a tool call');
      const perEvent = (SENDS.length + 2) * EVENTS.length;
      await receiver.waitFor(start + perEvent);
      const got = receiver.deliveries.slice(start);
      for (const event of EVENTS) {
        for (const send of [...SENDS, 'none', 'all'] as const) {
          const name = `${event}.${send}`;
          const deliveries = got.filter((d) => d.path === `/${name}`);
          assert.equal(deliveries.length, 1, `${name}: exactly one delivery`);
          const d = deliveries[0]!;
          assert.equal(d.method, 'POST');
          assert.equal(d.headers['content-type'], 'application/json');
          assert.equal(d.headers['x-tollgate-event'], event);
          const list = send === 'none' ? [] : send === 'all' ? [...SENDS] : [send];
          assert.deepEqual(d.body, expected(event, list, request, response, stateKnown), `${name}: payload`);
          assert.deepEqual(Object.keys((d.body as { metadata: object }).metadata).slice(0, 9), ['login_name', 'user_agent', 'url', 'model', 'provider', 'tailnet_name', 'stable_node_id', 'request_id', 'session_id'], `${name}: metadata fields`);
        }
      }
    });
  }

  it('sends entire_request after a response without tool calls, and tool_call_entire_request not at all', async () => {
    withState = true;
    const start = receiver.deliveries.length;
    const response = await chat(gw, 'no tools here', {}, { 'x-session-id': 'sess-42' });
    assert.equal(response.status, 200);
    assert.equal(response.body.choices[0].message.tool_calls, undefined);
    const expectedCount = (SENDS.length + 2) * 2; // pre_request and entire_request hooks
    await receiver.waitFor(start + expectedCount);
    // Give a wrongly sent tool_call_entire_request the time the others took, then check none came.
    const marker = await chat(gw, 'marker', {}, { 'x-session-id': 'sess-42' });
    await receiver.waitFor((ds) => ds.some((d) => d.path === '/entire_request.none' && (d.body as { metadata: { request_id: string } }).metadata.request_id === marker.headers.get('x-request-id')));
    const got = receiver.deliveries.slice(start);
    assert.equal(got.filter((d) => d.path.startsWith('/tool_call_entire_request.')).length, 0);
    const entire = got.find((d) => d.path === '/entire_request.tools' && (d.body as { metadata: { request_id: string } }).metadata.request_id === response.headers.get('x-request-id'));
    assert.deepEqual((entire?.body as { tool_calls: unknown }).tool_calls, []);
  });

  it('counts an event whose payload cannot be serialized as failed, and keeps delivering later ones', async () => {
    const local = await startFakeHookReceiver();
    let poison = true;
    const gw2 = await startHookGateway({
      hooks: { q: { url: local.urlFor('/q') } },
      caps: caps([wiring('q', ['entire_request'], ['quotas', 'user_message'])]),
      also: (ctx) => ctx.state.set(QUOTA_BALANCES, poison ? ({ bucket: { current: 1n, capacity: 2, rate: 3 } } as unknown as Record<string, QuotaBalance>) : QUOTAS),
    });
    try {
      await chat(gw2, 'poisoned');
      poison = false;
      await chat(gw2, 'clean');
      await local.waitFor(1);
      assert.equal((local.deliveries[0]?.body as { user_message: string }).user_message, 'clean');
      assert.equal(gw2.logs.withMessage('building a hook payload failed; event not delivered').length, 1);
    } finally {
      await gw2.close();
      await local.close();
    }
  });

  it('reassembles a streamed response for response_body and lists the SSE data objects in raw_responses', async () => {
    const start = receiver.deliveries.length;
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': 'sess-42' },
      body: JSON.stringify({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'weather in Oslo?' }], tools: [WEATHER_TOOL] }),
    });
    const text = await res.text();
    const chunks = text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
      .map((l) => JSON.parse(l.slice(6)) as unknown);
    const requestId = res.headers.get('x-request-id');
    await receiver.waitFor((ds) => ds.slice(start).some((d) => d.path === '/tool_call_entire_request.all'));
    const d = receiver.deliveries.slice(start).find((x) => x.path === '/tool_call_entire_request.all')!;
    const body = d.body as { metadata: { request_id: string }; response_body: any; raw_responses: unknown[]; tool_calls: unknown[] };
    assert.equal(body.metadata.request_id, requestId);
    assertProviderEvents(body.raw_responses, chunks);
    assert.ok(chunks.length > 1);
    assert.ok(body.response_body.usage.total_tokens > 0);
    assert.equal(body.response_body.object, 'chat.completion');
    assert.equal(body.response_body.choices[0].message.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(body.tool_calls, [{ name: 'get_weather', params: { city: 'weather in Oslo?' } }]);
  });
  it('as the only observer, keeps of a stream exactly what its hooks send (and all of it for a shapePayload tap)', async () => {
    const local = await startFakeHookReceiver();
    const request = { model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'tell me a story' }] };
    const SENDS_OF: Record<string, string[]> = { full: ['response_body', 'raw_responses'], lean: ['user_message'], body: ['response_body'], raw: ['raw_responses'] };
    const run = async (names: string[], extraPlugins: PluginInput[] = []) => {
      const gw2 = await startHookGateway({
        hooks: Object.fromEntries(names.map((n) => [n, { url: local.urlFor(`/${n}`) }])),
        caps: caps(names.map((n) => wiring(n, ['entire_request'], SENDS_OF[n]))),
        extraPlugins,
        recordExchanges: false,
      });
      try {
        const start = local.deliveries.length;
        const res = await fetch(`${gw2.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
        const chunks = (await res.text())
          .split('\n')
          .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
          .map((l) => JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> });
        await local.waitFor(start + names.length);
        const got = (path: string) => local.deliveries.slice(start).find((d) => d.path === path)?.body as { response_body?: any; raw_responses?: unknown[]; user_message?: string };
        return { chunks, text: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), got };
      } finally {
        await gw2.close();
      }
    };
    try {
      const body = await run(['body', 'lean']);
      assert.ok(body.chunks.length > 2 && body.text.length > 0);
      assert.equal(body.got('/body').response_body.choices[0].message.content, body.text);
      assert.equal(body.got('/lean').user_message, 'tell me a story');
      const raw = await run(['raw']);
      assertProviderEvents(raw.got('/raw').raw_responses, raw.chunks);
      const full = await run(['full']);
      assertProviderEvents(full.got('/full').raw_responses, full.chunks);
      assert.equal(full.got('/full').response_body.choices[0].message.content, full.text);

      // A shapePayload tap may read anything of the exchange: it gets all of it.
      const seen: unknown[][] = [];
      const shaper: PluginInput = {
        name: 'shaper',
        apply: (host) =>
          getWebhookHooks(host).shapePayload.tap('shaper', (payload, ctx) => {
            if (ctx.hook.name === 'lean') seen.push([...(ctx.exchange?.rawResponses ?? [])]);
            return payload;
          }),
      };
      const shaped = await run(['lean'], [shaper]);
      assert.equal(seen.length, 1);
      assertProviderEvents(seen[0], shaped.chunks);
    } finally {
      await local.close();
    }
  });
});
