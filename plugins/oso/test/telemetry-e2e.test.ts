import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Gateway, createGateway } from '@tollgate/core';
import { type FakeOso, type FakeOsoCall, LogCapture, type TestGateway, startFakeOso, startTestGateway } from '@tollgate/testing';
import type { HookStats } from '@tollgate/plugin-webhook';
import OpenAI from 'openai';
import { defineOsoPlugin } from '@tollgate/plugin-oso';
import { ALICE, BOB, CAROL, IDENTITY, KEYS, MOCK_PROVIDERS, OPENAI_TOOLS, OPEN_GRANT, allowTool, eventually } from './helpers.js';

/** The seed's two snippets, as published, with the URL and key pointed at the fake Oso. */
function seedSections(oso: FakeOso, send: readonly string[] = ['user_message', 'tools', 'request_body', 'response_body']): Record<string, unknown> {
  return {
    hooks: { oso: { url: oso.modelRequestUrl, apikey: oso.apiKey } },
    grants: [
      { src: ['*'], app: { 'tailscale.com/cap/aperture': [{ send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send }] }] } },
      OPEN_GRANT,
    ],
  };
}

const FAST_RETRIES = { delivery: { retry_initial: '20ms', retry_max: '100ms' } };

/**
 * The webhook plugin's per-hook counters, read from the instance the gateway loaded (the plugin
 * loader imports the package by its real path, so `webhookStats`'s `instanceof` does not hold for
 * the copy a test imports through the workspace symlink).
 */
function webhookStats(gateway: Gateway): Record<string, HookStats> {
  const webhook = gateway.plugins.find((p) => p.name === 'webhook') as unknown as { stats(): Record<string, HookStats> } | undefined;
  assert.ok(webhook !== undefined, 'the webhook plugin is loaded');
  return webhook.stats();
}

/** Waits until the webhook plugin has nothing queued or in flight (and some hook exists). */
async function drained(gateway: Gateway): Promise<void> {
  await eventually(() => {
    const stats = Object.values(webhookStats(gateway));
    return stats.length > 0 && stats.every((s) => s.queueDepth === 0 && s.inFlight === 0);
  }, 'webhook queues drained');
}

const ask = (client: OpenAI, content = 'please call get_weather for Paris') => client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content }], tools: OPENAI_TOOLS });

describe('Oso telemetry end to end (real openai client, fake Oso)', () => {
  let oso: FakeOso;
  before(async () => {
    oso = await startFakeOso();
  });
  after(async () => oso.close());
  beforeEach(() => oso.reset());
  afterEach(async () => {
    if (!oso.isUp) await oso.up();
  });

  describe('the seed, verbatim, with the default plugins (no "plugins" key)', () => {
    let gateway: Gateway;
    let url: string;
    let dataDir: string;
    const logs = new LogCapture();
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tollgate-oso-seed-'));
      gateway = await createGateway({ config: { providers: MOCK_PROVIDERS, identity: IDENTITY, ...seedSections(oso) }, dataDir, logDestination: logs.stream });
      url = `http://127.0.0.1:${(await gateway.listen({ host: '127.0.0.1', port: 0 })).port}`;
    });
    after(async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('sends Oso one HookCallData per response with tool calls, with Bearer auth', async () => {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
      await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'no tools here' }] });
      const res = await ask(client);
      const call = res.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type === 'function' && call.function.name, 'get_weather');
      await oso.waitFor(1);
      await drained(gateway);
      assert.equal(oso.modelRequests.length, 1, 'one delivery: the request without tool calls sends nothing');
      const [delivery] = oso.modelRequests as [FakeOsoCall];
      assert.equal(delivery.headers.authorization, `Bearer ${oso.apiKey}`);
      assert.match(String(delivery.headers['content-type']), /^application\/json/);
      const body = delivery.body;
      assert.deepEqual(Object.keys(body).sort(), ['metadata', 'request_body', 'response_body', 'tool_calls', 'user_message']);
      assert.equal(body.metadata.login_name, ALICE);
      assert.equal(body.metadata.model, 'mock-1');
      assert.equal(body.metadata.provider, 'mock');
      assert.equal(body.metadata.url, '/v1/chat/completions');
      assert.match(body.metadata.request_id, /^[0-9a-f-]{36}$/);
      assert.equal(typeof body.metadata.session_id, 'string');
      assert.ok(body.metadata.session_id.length > 0);
      assert.equal(body.user_message, 'please call get_weather for Paris');
      assert.deepEqual(body.request_body.tools, OPENAI_TOOLS);
      assert.equal(body.response_body.choices[0].message.tool_calls[0].function.name, 'get_weather');
      assert.deepEqual(body.tool_calls, [{ name: 'get_weather', params: { city: 'please call get_weather for Paris' } }]);
      assert.equal(body.authorization_decisions, undefined, 'without enforcement the payload is exactly Aperture\'s');
      assert.ok(!logs.text.includes(oso.apiKey), 'the hook key never reaches the logs');
    });
  });

  describe('the short form', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({
        config: { providers: MOCK_PROVIDERS, identity: IDENTITY, grants: [OPEN_GRANT] },
        plugins: ['grants', ['webhook', FAST_RETRIES], ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl }]],
      });
    });
    after(async () => gw.close());

    it('sends what the verbatim form sends (same HookCallData, same auth), through the webhook plugin', async () => {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
      await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'no tools here' }] });
      await ask(client);
      await oso.waitFor(1);
      await drained(gw.gateway);
      assert.equal(oso.modelRequests.length, 1);
      const short = oso.modelRequests[0] as FakeOsoCall;
      assert.equal(short.headers.authorization, `Bearer ${oso.apiKey}`);
      assert.equal(webhookStats(gw.gateway).oso?.sent, 1, 'the short form is the webhook plugin\'s hook "oso"');

      // The same request through the verbatim form gives the same payload (but its request id).
      oso.reset();
      const verbatim = await startTestGateway({ config: { providers: MOCK_PROVIDERS, identity: IDENTITY, ...seedSections(oso) }, plugins: ['grants', 'webhook', 'oso'] });
      try {
        await ask(new OpenAI({ baseURL: `${verbatim.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 }));
        await oso.waitFor(1);
      } finally {
        await verbatim.close();
      }
      const seed = oso.modelRequests[0] as FakeOsoCall;
      const withoutRequestId = (b: any) => ({ ...b, metadata: { ...b.metadata, request_id: '' } });
      assert.deepEqual(withoutRequestId(short.body), withoutRequestId(seed.body));
      assert.equal(short.headers.authorization, seed.headers.authorization);
    });

    it('survives an Oso outage: the webhook queue retries until Oso is back', async () => {
      await oso.down();
      await ask(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.bob, maxRetries: 0 }));
      await eventually(() => (webhookStats(gw.gateway).oso?.retried ?? 0) > 0, 'a retry while Oso is down');
      assert.equal(oso.modelRequests.length, 0);
      await oso.up();
      await oso.waitFor(1);
      assert.equal(oso.modelRequests[0]?.body.metadata.login_name, BOB);
    });
  });

  describe('both forms at once (verbatim hooks.oso + grant, and the short form to the same URL)', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({
        // The verbatim grant sends only the tool calls, for everyone; the short form adds Oso's list for bob.
        config: { providers: MOCK_PROVIDERS, identity: IDENTITY, ...seedSections(oso, ['tools']) },
        plugins: ['grants', ['webhook', FAST_RETRIES], ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl, users: [BOB] }]],
      });
    });
    after(async () => gw.close());

    it('delivers once per request, with the send lists united for the callers both wire', async () => {
      await ask(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 }));
      await ask(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.bob, maxRetries: 0 }));
      await oso.waitFor(2);
      await drained(gw.gateway);
      assert.equal(oso.modelRequests.length, 2);
      const byLogin = new Map(oso.modelRequests.map((c) => [c.body.metadata.login_name, c.body]));
      assert.deepEqual(Object.keys(byLogin.get(ALICE)).sort(), ['metadata', 'tool_calls']);
      assert.deepEqual(Object.keys(byLogin.get(BOB)).sort(), ['metadata', 'request_body', 'response_body', 'tool_calls', 'user_message']);
      assert.deepEqual(Object.keys(webhookStats(gw.gateway)), ['oso'], 'no second endpoint was added');
    });
  });

  describe('users', () => {
    it('sends only the requests of the callers the short form names (groups from the identity resolver)', async () => {
      const gw = await startTestGateway({
        config: { providers: MOCK_PROVIDERS, identity: IDENTITY, grants: [OPEN_GRANT] },
        plugins: ['grants', 'webhook', ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl, users: ['group:agents'] }]],
      });
      try {
        await ask(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 }));
        await ask(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.carol, maxRetries: 0 }));
        await oso.waitFor(1);
        await drained(gw.gateway);
        assert.deepEqual(
          oso.modelRequests.map((c) => c.body.metadata.login_name),
          [CAROL],
        );
      } finally {
        await gw.close();
      }
    });
  });

  describe('with enforcement', () => {
    it('the payload carries the exchange\'s authorization decisions, denied calls included', async () => {
      oso.setPolicy([allowTool(ALICE, 'get_weather')]);
      const gw = await startTestGateway({
        config: { providers: MOCK_PROVIDERS, identity: IDENTITY, grants: [OPEN_GRANT] },
        plugins: ['grants', 'webhook', [defineOsoPlugin(), { apiKey: oso.apiKey, url: oso.modelRequestUrl, enforce: { url: oso.url } }]],
      });
      try {
        const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
        await ask(client);
        await assert.rejects(ask(client, 'please call delete_file on /tmp/x'), /denied by Oso policy/);
        await oso.waitFor(2);
        const [allowed, denied] = oso.modelRequests.map((c) => c.body);
        assert.deepEqual(
          allowed.authorization_decisions.map((d: any) => [d.plugin, d.subject, d.allowed]),
          [
            ['grants', 'model', true],
            ['oso', 'tool:get_weather', true],
          ],
        );
        const osoDecision = allowed.authorization_decisions[1];
        assert.equal(osoDecision.data.actor, `User:${ALICE}`);
        assert.equal(typeof osoDecision.duration_ms, 'number');
        assert.deepEqual(denied.tool_calls.map((c: any) => c.name), ['delete_file'], 'Oso sees the attempted call');
        assert.equal(denied.authorization_decisions[1].allowed, false);
        assert.match(denied.authorization_decisions[1].reason, /denied by Oso policy/);
      } finally {
        await gw.close();
      }
    });
  });

  describe('configuration', () => {
    it('refuses a short form whose hook name is taken by another hook', async () => {
      await assert.rejects(
        startTestGateway({
          config: { providers: MOCK_PROVIDERS, hooks: { oso: { url: 'https://example.com/not-oso', apikey: 'k-123456' } } },
          plugins: ['grants', 'webhook', ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl }]],
        }),
        (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path === 'plugins.oso/hook_name' && i.severity === 'error'),
      );
    });

    it('warns when it reuses a hook whose key differs', async () => {
      const gw = await startTestGateway({ config: { providers: MOCK_PROVIDERS, hooks: { mine: { url: oso.modelRequestUrl, apikey: 'another-key-1' } } }, plugins: ['grants', 'webhook', ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl }]] });
      try {
        assert.ok(gw.logs.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('hooks.mine posts to the same Oso URL')));
      } finally {
        await gw.close();
      }
    });
  });
});
