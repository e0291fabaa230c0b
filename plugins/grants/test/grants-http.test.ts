import assert from 'node:assert/strict';
import { defaultConfig } from '@tollgate/core';
import grantsPlugin, { NO_ROLE_MESSAGE, effectiveCapabilities } from '@tollgate/plugin-grants';
import { type FakeUpstream, type TestGateway, jsonResponder, startFakeUpstream, startTestGateway } from '@tollgate/testing';

const AP = 'tailscale.com/cap/aperture';

const CONFIG = {
  providers: {
    anthropic: { baseurl: 'mock://', models: ['claude-sonnet-4-6'] },
    openai: { baseurl: 'mock://', models: ['gpt-5'] },
  },
  identity: {
    loopback: false,
    api_keys: { 'key-alice': 'alice@example.com', 'key-bob': 'bob@example.com', 'key-ci': { login: 'ci-bot', tags: ['tag:ci'] } },
  },
  hooks: { audit: { url: 'http://127.0.0.1:9/audit' } },
  grants: [
    { src: ['alice@example.com', 'tag:ci'], app: { [AP]: [{ role: 'user' }, { models: 'anthropic/**' }] } },
    { src: ['tag:ci'], app: { [AP]: [{ models: 'anthropic/**', send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['tools'] }] }] } },
  ],
};

/** How to call one API format over HTTP: path and body for a model, and the credential header. */
const FORMAT_CALLS: Record<string, (model: string, key: string) => { path: string; body: unknown; headers: Record<string, string> }> = {
  openai_chat: (model, key) => ({ path: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] }, headers: { authorization: `Bearer ${key}` } }),
  openai_responses: (model, key) => ({ path: '/v1/responses', body: { model, input: 'hi' }, headers: { authorization: `Bearer ${key}` } }),
  anthropic_messages: (model, key) => ({ path: '/v1/messages', body: { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } }),
  gemini_generate_content: (model, key) => ({ path: `/v1beta/models/${model}:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, headers: { 'x-goog-api-key': key } }),
};

async function post(gw: TestGateway, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

async function chat(gw: TestGateway, model: string, key: string, path = '/v1/chat/completions'): Promise<{ status: number; body: unknown; text: string }> {
  return post(gw, path, { model, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` });
}

describe('grants over HTTP', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: CONFIG, plugins: [grantsPlugin] });
  });
  after(() => gw.close());

  for (const [format, call] of Object.entries(FORMAT_CALLS)) {
    it(`enforces grants on ${format}`, async function (this: Mocha.Context) {
      if (gw.gateway.runtime.formats.get(format) === undefined) this.skip();
      const before = gw.exchanges.length;
      const ungranted = call('gpt-5', 'key-alice');
      const r1 = await post(gw, ungranted.path, ungranted.body, ungranted.headers);
      assert.equal(r1.status, 404, r1.text);
      assert.ok(r1.text.includes('model \\"gpt-5\\" may exist but is not granted to alice@example.com'), r1.text);
      assert.ok(!r1.text.includes('did you mean'), 'no hint that names what others may use');
      const noRole = call('claude-sonnet-4-6', 'key-bob');
      const r2 = await post(gw, noRole.path, noRole.body, noRole.headers);
      assert.equal(r2.status, 403, r2.text);
      assert.ok(r2.text.includes(NO_ROLE_MESSAGE), r2.text);
      const granted = call('claude-sonnet-4-6', 'key-alice');
      await post(gw, granted.path, granted.body, granted.headers);
      const decisions = await Promise.all([1, 2, 3].map(async (n) => (await gw.exchange(before + n)).decisions.find((d) => d.plugin === 'grants')));
      assert.deepEqual(
        decisions.map((d) => [d?.allowed, d?.reason]),
        [
          [false, 'model not granted (role user)'],
          [false, 'no role granted'],
          [true, 'role user'],
        ],
      );
    });
  }

  it('answers the alias path /chat/completions the same way', async () => {
    const r = await chat(gw, 'gpt-5', 'key-alice', '/chat/completions');
    assert.equal(r.status, 404);
    assert.equal((await chat(gw, 'claude-sonnet-4-6', 'key-alice', '/chat/completions')).status, 200);
  });

  it('says a model that is not granted may exist, and hints only at models the caller may use', async () => {
    const ungranted = await chat(gw, 'gpt-5', 'key-alice');
    const unknown = await chat(gw, 'gpt-9000', 'key-alice');
    const typo = await chat(gw, 'claude-sonet-4-6', 'key-alice');
    const near = await chat(gw, 'gpt-5x', 'key-alice');
    assert.deepEqual([ungranted.status, unknown.status, typo.status, near.status], [404, 404, 404, 404]);
    const error = (r: { body: unknown }) => (r.body as { error: { message: string; code: string } }).error;
    assert.deepEqual(error(ungranted), { ...error(ungranted), message: 'model "gpt-5" may exist but is not granted to alice@example.com', code: 'model_not_granted' });
    assert.deepEqual([error(unknown).message, error(unknown).code], ['model "gpt-9000" does not exist or is not served by this gateway', 'model_not_found']);
    assert.equal(error(typo).message, 'model "claude-sonet-4-6" does not exist or is not served by this gateway; did you mean "claude-sonnet-4-6"?');
    assert.equal(error(near).message, 'model "gpt-5x" does not exist or is not served by this gateway', 'gpt-5 is not granted to alice: never suggested');
  });

  it('answers a caller without a role with 403 in the OpenAI envelope', async () => {
    const r = await chat(gw, 'claude-sonnet-4-6', 'key-bob');
    assert.equal(r.status, 403);
    assert.equal((r.body as { error: { message: string } }).error.message, NO_ROLE_MESSAGE);
  });

  it('lists only granted models in GET /v1/models, 403 without a role, 401 unidentified', async () => {
    const list = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer key-alice' } });
    assert.equal(list.status, 200);
    const body = (await list.json()) as { data: Array<{ id: string; metadata: { provider: { id: string } } }> };
    assert.deepEqual(
      body.data.map((m) => [m.id, m.metadata.provider.id]),
      [['claude-sonnet-4-6', 'anthropic']],
    );
    const noRole = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer key-bob' } });
    assert.equal(noRole.status, 403);
    assert.deepEqual(((await noRole.json()) as { error: { message: string } }).error.message, NO_ROLE_MESSAGE);
    const anonymous = await fetch(`${gw.url}/v1/models`);
    assert.equal(anonymous.status, 401);
  });

  it('shows the identity and the grant decision in the access log and in the exchange', async () => {
    const before = gw.exchanges.length;
    const logged = gw.logs.access.length;
    assert.equal((await chat(gw, 'claude-sonnet-4-6', 'key-ci')).status, 200);
    assert.equal((await chat(gw, 'claude-sonnet-4-6', 'key-bob')).status, 403);
    const allowed = await gw.exchange(before + 1);
    const denied = await gw.exchange(before + 2);
    assert.deepEqual([allowed.identity?.login, allowed.identity?.resolver], ['ci-bot', 'api-keys']);
    assert.deepEqual(
      allowed.decisions.map((d) => [d.plugin, d.subject, d.allowed, d.reason, (d.data as { model: string }).model]),
      [['grants', 'model', true, 'role user', 'anthropic/claude-sonnet-4-6']],
    );
    assert.deepEqual([...(effectiveCapabilities(allowed)?.hooks.keys() ?? [])], ['audit']);
    assert.deepEqual(denied.decisions.map((d) => d.allowed), [false]);
    const lines = gw.logs.access.slice(logged);
    assert.deepEqual(
      lines.map((l) => [l.status, l.identity, l.resolver, l.decisions]),
      [
        [200, 'ci-bot', 'api-keys', ['grants:model=allow (role user)']],
        [403, 'bob@example.com', 'api-keys', ['grants:model=deny (no role granted)']],
      ],
    );
  });
});

describe('grants over HTTP: upstream headers', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  before(async () => {
    upstream = await startFakeUpstream(jsonResponder({ id: 'x', object: 'chat.completion', created: 0, model: 'gpt-5', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
    gw = await startTestGateway({
      config: {
        providers: { openai: { baseurl: upstream.url, apikey: 'sk-provider', models: ['gpt-5', 'gpt-5-mini'] } },
        identity: { api_keys: { 'key-alice': 'alice@example.com' } },
        grants: [{ src: ['alice@example.com'], app: { [AP]: [{ role: 'user', add_headers: ['X-Team: eng'] }, { models: 'openai/gpt-5', add_headers: ['X-Tier: premium'] }, { models: 'openai/gpt-5-mini' }] } }],
      },
      plugins: [grantsPlugin],
    });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('adds floating and matching model-scoped add_headers upstream, and nothing else', async () => {
    assert.equal((await chat(gw, 'gpt-5', 'key-alice')).status, 200);
    assert.equal((await chat(gw, 'gpt-5-mini', 'key-alice')).status, 200);
    const [first, second] = upstream.requests;
    assert.deepEqual([first?.headers['x-team'], first?.headers['x-tier'], first?.headers.authorization], ['eng', 'premium', 'Bearer sk-provider']);
    assert.deepEqual([second?.headers['x-team'], second?.headers['x-tier']], ['eng', undefined]);
  });
});

describe("grants with tollgate's built-in default config", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: defaultConfig(), plugins: [grantsPlugin] });
  });
  after(() => gw.close());

  it('lets a loopback caller use and list the mock model', async () => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 200, await r.clone().text());
    const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['mock-1'],
    );
    const e = await gw.exchange(1);
    assert.deepEqual([e.identity?.login, e.decisions[0]?.reason], ['(loopback)', 'role admin']);
  });
});
