import assert from 'node:assert/strict';
import { type PluginHost, STAGE_GUARDRAIL } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver, startTestGateway } from '@tollgate/testing';
import { defineWebhookPlugin, webhookStats } from '@tollgate/plugin-webhook';
import { MOCK_PROVIDERS, RedirectDispatcher, WEATHER_TOOL, eventually, post } from './helpers.js';

// The two snippets of Tailscale's "Integrate Oso with Aperture" page, exactly as published.
const SEED_HOOKS = JSON.parse(`{
  "oso": {
    "url": "https://api.osohq.com/api/agents/v1/model-request",
    "apikey": "YOUR_OSO_API_KEY"
  }
}`);
const SEED_GRANTS = JSON.parse(`[
  {
    "src": ["*"],
    "app": {
      "tailscale.com/cap/aperture": [
        {
          "send_hooks": [
            {
              "name": "oso",
              "events": ["tool_call_entire_request"],
              "send": ["user_message", "tools", "request_body", "response_body"]
            }
          ]
        }
      ]
    }
  }
]`);

describe('the seed\'s Oso configuration, with the real grants plugin', () => {
  let receiver: FakeHookReceiver;
  let dispatcher: RedirectDispatcher;
  let gw: TestGateway;

  before(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.json({ ok: true }));
    dispatcher = new RedirectDispatcher(receiver.url);
    gw = await startTestGateway({
      config: {
        providers: MOCK_PROVIDERS,
        identity: { api_keys: { 'sk-alice-0123456789': 'alice@example.com' } },
        hooks: SEED_HOOKS,
        // The seed's grant wires the hook; a role and model access come from a grant of their own.
        grants: [...SEED_GRANTS, { src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } }],
      },
      plugins: [grantsPlugin, defineWebhookPlugin({ dispatcher })],
    });
  });
  after(async () => {
    await gw.close();
    await dispatcher.close();
    await receiver.close();
  });

  const ask = (content: string, tools?: unknown[]): ReturnType<typeof post> =>
    post(`${gw.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content }], ...(tools === undefined ? {} : { tools }) }, { authorization: 'Bearer sk-alice-0123456789', 'x-session-id': 'session-7' });

  it('posts HookCallData to Oso with the bearer key after a response with tool calls', async () => {
    const request = { model: 'mock-1', messages: [{ role: 'user', content: 'what is the weather in Berlin' }], tools: [WEATHER_TOOL] };
    const res = await ask('what is the weather in Berlin', [WEATHER_TOOL]);
    assert.equal(res.status, 200);
    await receiver.waitFor(1);
    const d = receiver.deliveries[0]!;
    assert.equal(d.method, 'POST');
    assert.equal(d.path, '/api/agents/v1/model-request');
    assert.equal(dispatcher.origins[0], 'https://api.osohq.com');
    assert.equal(d.headers.authorization, 'Bearer YOUR_OSO_API_KEY');
    assert.equal(d.headers['content-type'], 'application/json');
    assert.equal(d.headers['x-tollgate-event'], 'tool_call_entire_request');
    const call = res.body.choices[0].message.tool_calls[0];
    assert.deepEqual(d.body, {
      metadata: {
        login_name: 'alice@example.com',
        user_agent: 'webhook-test/1.0',
        url: '/v1/chat/completions',
        model: 'mock-1',
        provider: 'mock',
        tailnet_name: '',
        stable_node_id: '',
        request_id: res.headers.get('x-request-id'),
        session_id: 'session-7',
      },
      user_message: 'what is the weather in Berlin',
      request_body: request,
      response_body: res.body,
      tool_calls: [{ name: call.function.name, params: JSON.parse(call.function.arguments) }],
    });
    await eventually(() => webhookStats(gw.gateway)?.oso?.sent === 1, 'counted as sent');
  });

  it('sends Oso nothing for a response without tool calls', async () => {
    const before = receiver.deliveries.length;
    assert.equal((await ask('just chatting')).status, 200);
    const marker = await ask('weather in Lima', [WEATHER_TOOL]);
    await receiver.waitFor(before + 1);
    assert.equal(receiver.deliveries.length, before + 1);
    assert.equal((receiver.deliveries[before]!.body as { metadata: { request_id: string } }).metadata.request_id, marker.headers.get('x-request-id'));
  });
});

describe('the seed\'s Oso hook when policy refuses a tool call', () => {
  let receiver: FakeHookReceiver;
  let dispatcher: RedirectDispatcher;
  let gw: TestGateway;

  before(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.json({ ok: true }));
    dispatcher = new RedirectDispatcher(receiver.url);
    const noWeather = {
      name: 'no-weather',
      apply: (host: PluginHost) =>
        host.hooks.onToolCall.tap({ name: 'no-weather', stage: STAGE_GUARDRAIL }, (ctx) =>
          ctx.call.name === 'get_weather' ? { message: 'weather lookups are not allowed', action: ctx.request.userMessage.includes('strip') ? 'strip' : 'block' } : undefined,
        ),
    };
    gw = await startTestGateway({
      config: {
        providers: MOCK_PROVIDERS,
        identity: { api_keys: { 'sk-alice-0123456789': 'alice@example.com' } },
        hooks: SEED_HOOKS,
        grants: [...SEED_GRANTS, { src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } }],
      },
      plugins: [grantsPlugin, defineWebhookPlugin({ dispatcher }), noWeather],
    });
  });
  after(async () => {
    await gw.close();
    await dispatcher.close();
    await receiver.close();
  });

  const ask = (content: string): ReturnType<typeof post> =>
    post(`${gw.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content }], tools: [WEATHER_TOOL] }, { authorization: 'Bearer sk-alice-0123456789' });

  it('says what policy did with each call, and sends what the client received as response_body', async () => {
    const blocked = await ask('weather in Paris, please');
    assert.equal(blocked.status, 403);
    await receiver.waitFor(1);
    const first = receiver.deliveries[0]?.body as { tool_calls: Array<Record<string, unknown>>; response_body: unknown };
    assert.equal(first.tool_calls.length, 1);
    const { params, ...call } = first.tool_calls[0]!;
    assert.equal(typeof params, 'object');
    assert.deepEqual(call, { name: 'get_weather', decision: 'block', decided_by: 'no-weather', reason: 'weather lookups are not allowed' });
    assert.deepEqual(first.response_body, blocked.body, 'the error the client got, not the tool call the provider sent');

    const stripped = await ask('weather in Paris, strip it');
    assert.equal(stripped.status, 200);
    await receiver.waitFor(2);
    const second = receiver.deliveries[1]?.body as { tool_calls: Array<{ decision: string }>; response_body: unknown };
    assert.equal(second.tool_calls[0]?.decision, 'strip');
    assert.deepEqual(second.response_body, stripped.body);
  });
});
