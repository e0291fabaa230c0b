import assert from 'node:assert/strict';
import { type PluginHost, STAGE_AUTHENTICATE, TollgateError, type TollgatePlugin, createIdentity } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver, startTestGateway } from '@tollgate/testing';
import { type WebhookContribution, contributeToWebhook, defineWebhookPlugin } from '@tollgate/plugin-webhook';

const PROVIDERS = { mock: { baseurl: 'mock://', models: ['mock-1'] } };
const TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

/** Identifies callers by the `x-user` header (no grants plugin: capabilities are absent). */
const headerIdentity: TollgatePlugin = {
  name: 'test-identity',
  apply(host) {
    host.hooks.identify.tap({ name: 'test-identity', stage: STAGE_AUTHENTICATE }, (input) => {
      const login = input.headers['x-user'];
      return typeof login === 'string' ? createIdentity({ login, resolver: 'test' }) : undefined;
    });
  },
};

/** A plugin that contributes to the webhook plugin from its `apply`. */
function contributor(make: (host: PluginHost) => WebhookContribution): TollgatePlugin & { error?: unknown } {
  const plugin: TollgatePlugin & { error?: unknown } = {
    name: 'contributor',
    apply(host) {
      contributeToWebhook(host, make(host));
    },
  };
  return plugin;
}

const wiring = (name: string, events: string[], send: string[]) => ({ name, events: new Set(events), send: new Set(send) });

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function chat(gw: TestGateway, user: string, tools = true): Promise<number> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user': user },
    body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'weather in Paris?' }], ...(tools ? { tools: [TOOL] } : {}) }),
  });
  await res.text();
  return res.status;
}

describe('webhook contributions (endpoints and wiring from other plugins)', () => {
  let receiver: FakeHookReceiver;
  before(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
  });
  after(async () => receiver.close());
  beforeEach(() => {
    (receiver.deliveries as unknown[]).length = 0;
  });

  for (const order of ['after', 'before'] as const) {
    it(`adds an endpoint and fires it for the callers the wiring picks (contributor applied ${order} the webhook plugin, no hooks section)`, async () => {
      const c = contributor(() => ({
        plugin: 'contributor',
        endpoints: { added: { url: receiver.urlFor('/added'), apikey: 'contributed-key-1' } },
        wire: (subject) => (subject.identity?.login === 'alice' ? [wiring('added', ['tool_call_entire_request'], ['tools', 'user_message'])] : undefined),
      }));
      const webhook = defineWebhookPlugin();
      const gw = await startTestGateway({ config: { providers: PROVIDERS }, plugins: order === 'after' ? [headerIdentity, webhook, c] : [headerIdentity, c, webhook] });
      try {
        assert.equal(await chat(gw, 'bob'), 200);
        assert.equal(await chat(gw, 'alice'), 200);
        await receiver.waitFor(1);
        const [d] = receiver.deliveries;
        assert.equal(d?.path, '/added');
        assert.equal(d?.headers.authorization, 'Bearer contributed-key-1');
        assert.deepEqual(Object.keys(d?.body as object).sort(), ['metadata', 'tool_calls', 'user_message']);
        assert.equal((d?.body as { metadata: { login_name: string } }).metadata.login_name, 'alice');
        const webhook = gw.gateway.plugins.find((p) => p.name === 'webhook') as unknown as { stats(): Record<string, { sent: number; queueDepth: number }> };
        await eventually(() => webhook.stats().added?.sent === 1);
        assert.equal(webhook.stats().added?.queueDepth, 0);
        assert.equal(receiver.deliveries.length, 1, 'bob is not wired');
      } finally {
        await gw.close();
      }
    });
  }

  it('merges its wiring with the grants\' send_hooks by hook name: one delivery, send lists united', async () => {
    const c = contributor(() => ({ plugin: 'contributor', wire: () => [wiring('mine', ['tool_call_entire_request'], ['user_message'])] }));
    const gw = await startTestGateway({
      config: {
        providers: PROVIDERS,
        identity: { api_keys: { 'sk-alice-123456': 'alice' }, loopback: false },
        hooks: { mine: { url: receiver.urlFor('/mine') } },
        grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }, { send_hooks: [{ name: 'mine', events: ['tool_call_entire_request'], send: ['tools'] }] }] } }],
      },
      // The definition this package's source imports (so both share the grants state key).
      plugins: [grantsPlugin, defineWebhookPlugin(), c],
    });
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-alice-123456' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], tools: [TOOL] }) });
      assert.equal(res.status, 200);
      await res.text();
      await receiver.waitFor(1);
      const webhook = gw.gateway.plugins.find((p) => p.name === 'webhook') as unknown as { stats(): Record<string, { sent: number; queueDepth: number; inFlight: number }> };
      await eventually(() => webhook.stats().mine?.sent === 1 && webhook.stats().mine?.queueDepth === 0);
      assert.equal(receiver.deliveries.length, 1);
      assert.deepEqual(Object.keys(receiver.deliveries[0]?.body as object).sort(), ['metadata', 'tool_calls', 'user_message']);
    } finally {
      await gw.close();
    }
  });

  it('wires pre_request hooks too', async () => {
    receiver.reply(hookReply.block(451, 'nope'), '/guard');
    const c = contributor(() => ({ plugin: 'contributor', endpoints: { guard: { url: receiver.urlFor('/guard') } }, wire: () => [wiring('guard', ['pre_request'], ['user_message'])] }));
    const gw = await startTestGateway({ config: { providers: PROVIDERS }, plugins: [headerIdentity, defineWebhookPlugin(), c] });
    try {
      assert.equal(await chat(gw, 'alice', false), 451);
      assert.equal((receiver.deliveries[0]?.body as { user_message: string }).user_message, 'weather in Paris?');
    } finally {
      await gw.close();
    }
  });

  it('refuses an endpoint name the hooks section (or another contribution) holds, and an invalid endpoint', async () => {
    const clash = contributor(() => ({ plugin: 'contributor', endpoints: { taken: { url: receiver.urlFor('/x') } } }));
    await assert.rejects(
      startTestGateway({ config: { providers: PROVIDERS, hooks: { taken: { url: receiver.urlFor('/taken') } } }, plugins: [defineWebhookPlugin(), clash] }),
      (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN') && /hook name is already used by the hooks section/.test(err.message),
    );
    const bad = contributor(() => ({ plugin: 'contributor', endpoints: { bad: { url: receiver.urlFor('/x'), timeout: 'soon' } as never } }));
    await assert.rejects(startTestGateway({ config: { providers: PROVIDERS }, plugins: [defineWebhookPlugin(), bad] }), (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN') && /plugins\.contributor\/webhook\/bad\/timeout/.test(err.message));
  });

  it('refuses contributions once the gateway is ready', async () => {
    let host: PluginHost | undefined;
    const late = { name: 'late', apply: (h: PluginHost) => void (host = h) };
    const gw = await startTestGateway({ config: { providers: PROVIDERS }, plugins: [defineWebhookPlugin(), late] });
    try {
      assert.throws(() => contributeToWebhook(host as PluginHost, { plugin: 'late', endpoints: { x: { url: receiver.urlFor('/x') } } }), (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN'));
    } finally {
      await gw.close();
    }
  });
});
