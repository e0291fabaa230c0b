import assert from 'node:assert/strict';
import { type ModelEntry, STAGE_AUTHORIZE, type TollgatePlugin, prepareConfig } from '@tollgate/core';
import { FORWARDED_LOOPBACK_MESSAGE, loopbackExposedMessage } from '@tollgate/core/internal';
import { jsonResponder } from '@tollgate/testing';
import { type RawResponse, chat, postChat, send, useResources } from './helpers.js';

const ALICE_KEY = 'tg-alice-key-from-env-91c2';
const BOB_KEY = 'tg-bob-literal-key-44d0';

function assert401(res: RawResponse, code = 'unauthenticated'): void {
  assert.equal(res.status, 401);
  assert.deepEqual(res.json(), {
    error: { message: res.json().error.message, type: 'authentication_error', param: null, code },
  });
}

describe('identity', () => {
  const r = useResources();

  async function keyedGateway(loopback: boolean) {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gateway({
      config: {
        providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } },
        identity: {
          api_keys: { 'env:ALICE_TOLLGATE_KEY': 'alice@example.com', [BOB_KEY]: { login: 'bob@example.com', groups: ['group:eng'], name: 'Bob' } },
          loopback,
        },
      },
      env: { ALICE_TOLLGATE_KEY: ALICE_KEY },
    });
    return { upstream, gw };
  }

  it('maps API keys (incl. env: keys) to identities, whichever header carries them', async () => {
    const { gw, upstream } = await keyedGateway(false);
    const ways: Array<Record<string, string>> = [{ authorization: `Bearer ${ALICE_KEY}` }, { 'x-api-key': ALICE_KEY }, { 'api-key': ALICE_KEY }];
    for (const headers of ways) {
      assert.equal((await postChat(gw.url, chat('gpt-4o'), headers)).status, 200, JSON.stringify(Object.keys(headers)));
    }
    assert.equal((await postChat(gw.url, chat('gpt-4o'), { authorization: `Bearer ${BOB_KEY}` })).status, 200);
    const exchanges = await Promise.all([1, 2, 3, 4].map((n) => gw.exchange(n)));
    assert.deepEqual(exchanges.map((e) => [e.identity?.login, e.identity?.resolver, e.identity?.loopback]), [
      ['alice@example.com', 'api-keys', false],
      ['alice@example.com', 'api-keys', false],
      ['alice@example.com', 'api-keys', false],
      ['bob@example.com', 'api-keys', false],
    ]);
    assert.deepEqual([exchanges[3]?.identity?.groups, exchanges[3]?.identity?.displayName], [['group:eng'], 'Bob']);
    // The client key is never forwarded upstream.
    for (const req of upstream.requests) assert.ok(!JSON.stringify(req.headers).includes('tg-'), JSON.stringify(req.headers));
  });

  it('a key in the query string identifies the caller and is stripped before the provider call', async () => {
    const { gw, upstream } = await keyedGateway(false);
    const res = await send(gw.url, { path: `/v1/chat/completions?api-version=2024-10-21&key=${ALICE_KEY}`, body: JSON.stringify(chat('gpt-4o')) });
    assert.equal(res.status, 200);
    assert.equal((await gw.exchange()).identity?.login, 'alice@example.com');
    assert.equal(upstream.requests[0]?.url, '/v1/chat/completions?api-version=2024-10-21');
  });

  it('unknown callers get 401 in the OpenAI envelope, before the body is even read; the provider is not called', async () => {
    const { gw, upstream } = await keyedGateway(false);
    assert401(await postChat(gw.url, chat('gpt-4o')));
    assert401(await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer wrong-key' }), 'invalid_api_key');
    assert401(await send(gw.url, { body: '{not json' }));
    assert401(await send(gw.url, { method: 'GET', path: '/v1/models' }));
    assert.equal(upstream.requests.length, 0);
    const e = await gw.exchange();
    assert.equal(e.status, 401);
    assert.equal(e.identity, undefined);
  });

  it('callers on this machine that present no key are (loopback) when enabled (the default); with client keys configured, an unknown key is refused', async () => {
    const { gw } = await keyedGateway(true);
    assert.equal((await postChat(gw.url, chat('gpt-4o'))).status, 200);
    assert401(await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer unused-on-loopback' }), 'invalid_api_key');
    assert.equal((await postChat(gw.url, chat('gpt-4o'), { authorization: `Bearer ${ALICE_KEY}` })).status, 200);
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => gw.exchange(n)));
    assert.deepEqual([a?.identity?.login, a?.identity?.loopback, a?.identity?.resolver], ['(loopback)', true, 'loopback']);
    assert.deepEqual([b?.status, b?.identity], [401, undefined]);
    assert.equal(c?.identity?.login, 'alice@example.com', 'a known key wins over the loopback fallback');
    assert.equal(gw.logs.withMessage('request completed')[1]?.refusedBy, 'api-keys');
  });

  it('without client keys configured, a caller on this machine is (loopback) whatever key it presents', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gatewayFor(upstream);
    assert.equal((await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer unused-on-loopback' })).status, 200);
    assert.equal((await gw.exchange()).identity?.login, '(loopback)');
  });

  it('a key no client key matches is refused even when a plugin resolver would not know the caller; a plugin resolver that knows the caller by other means still wins', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const header: TollgatePlugin = {
      name: 'header-identity',
      apply: (h) => h.hooks.identify.tap('header-identity', (input) => (typeof input.headers['x-user'] === 'string' ? { login: input.headers['x-user'], tags: [], groups: [], loopback: false, resolver: 'header-identity' } : undefined)),
    };
    const gw = await r.gatewayFor(upstream, { plugins: [header], config: { identity: { api_keys: { [BOB_KEY]: 'bob@example.com' } } } });
    assert401(await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer wrong-key' }), 'invalid_api_key');
    assert.equal((await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer wrong-key', 'x-user': 'carol@example.com' })).status, 200);
    assert.equal((await gw.exchange(2)).identity?.login, 'carol@example.com');
  });

  it('same-host trust: a (loopback) caller whose request carries forwarding headers is warned about, once per interval (issue 14)', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gatewayFor(upstream);
    assert.equal((await postChat(gw.url, chat('gpt-4o'))).status, 200);
    assert.equal(gw.logs.withMessage(FORWARDED_LOOPBACK_MESSAGE).length, 0, 'no forwarding header, no warning');
    const forwarded: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }];
    for (const headers of forwarded) {
      assert.equal((await postChat(gw.url, chat('gpt-4o'), headers)).status, 200);
    }
    const warnings = gw.logs.withMessage(FORWARDED_LOOPBACK_MESSAGE);
    assert.equal(warnings.length, 1, 'rate-limited: one line for the three requests');
    assert.equal(warnings[0]?.header, 'x-forwarded-for');
  });

  it('same-host trust: check-config and start-up warn when identity.loopback is on and the gateway listens beyond loopback (issue 14)', async () => {
    const providers = { mock: { baseurl: 'mock://', models: ['mock-1'] } };
    const exposed = await prepareConfig({ raw: { providers, listen: { host: '0.0.0.0' } }, plugins: [] });
    assert.deepEqual(exposed.warnings.map((w) => [w.path, w.message]), [['config/identity/loopback', loopbackExposedMessage('0.0.0.0')]]);
    const off = await prepareConfig({ raw: { providers, listen: { host: '0.0.0.0' }, identity: { loopback: false } }, plugins: [] });
    assert.deepEqual(off.warnings, []);
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      assert.deepEqual((await prepareConfig({ raw: { providers, listen: { host } }, plugins: [] })).warnings, [], host);
    }
  });

  it('a plugin resolver runs before the loopback fallback', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const header: TollgatePlugin = {
      name: 'header-identity',
      apply: (h) => h.hooks.identify.tap('header-identity', (input) => (typeof input.headers['x-user'] === 'string' ? { login: input.headers['x-user'], tags: [], groups: [], loopback: false, resolver: 'header-identity' } : undefined)),
    };
    const gw = await r.gatewayFor(upstream, { plugins: [header] });
    await postChat(gw.url, chat('gpt-4o'), { 'x-user': 'carol@example.com' });
    assert.equal((await gw.exchange()).identity?.login, 'carol@example.com');
  });
});

describe('routes', () => {
  const r = useResources();

  it('GET /v1/models lists the models of enabled providers in the OpenAI list format', async () => {
    const gw = await r.gateway({
      config: {
        providers: {
          openai: { baseurl: 'https://api.openai.com', models: ['gpt-4o', 'shared'], name: 'OpenAI', description: 'the real one' },
          other: { baseurl: 'https://other.example/v1', models: ['shared'], preference: 3, compatibility: { openai_chat: true, anthropic_messages: true } },
          off: { baseurl: 'https://off.example', models: ['hidden-model'], disabled: true },
        },
      },
    });
    for (const path of ['/v1/models', '/models']) {
      const res = await send(gw.url, { method: 'GET', path });
      assert.equal(res.status, 200);
      assert.ok(res.headers['x-request-id']);
      const body = res.json<{ object: string; data: Array<{ id: string; object: string; supported_endpoints: string[]; metadata: { provider: { id: string; name: string; description: string } } }> }>();
      assert.equal(body.object, 'list');
      assert.deepEqual(body.data.map((m) => m.id).sort(), ['gpt-4o', 'shared']);
      const gpt = body.data.find((m) => m.id === 'gpt-4o')!;
      assert.equal(gpt.object, 'model');
      assert.deepEqual(gpt.supported_endpoints, ['/v1/chat/completions']);
      assert.deepEqual(gpt.metadata.provider, { id: 'openai', name: 'OpenAI', description: 'the real one' });
      const shared = body.data.find((m) => m.id === 'shared')!;
      assert.equal(shared.metadata.provider.id, 'other');
      assert.deepEqual([...shared.supported_endpoints].sort(), ['/v1/chat/completions', '/v1/messages']);
    }
    // One access line per models call too, with the caller and how many models it saw.
    const line = gw.logs.access.find((l) => l.path === '/v1/models')!;
    assert.deepEqual([line.status, line.method, line.identity, line.models], [200, 'GET', '(loopback)', 2]);
  });

  it('listModels taps decide what a caller sees', async () => {
    const onlyMini: TollgatePlugin = {
      name: 'grants-like',
      apply: (h) => h.hooks.listModels.tap({ name: 'grants-like', stage: STAGE_AUTHORIZE }, (models: ModelEntry[], ctx) => (ctx.identity.loopback ? models.filter((m) => m.id.endsWith('mini')) : models)),
    };
    const gw = await r.gateway({ config: { providers: { p: { baseurl: 'https://x.example', models: ['a', 'a-mini'] } } }, plugins: [onlyMini] });
    const res = await send(gw.url, { method: 'GET', path: '/v1/models' });
    assert.deepEqual(res.json().data.map((m: { id: string }) => m.id), ['a-mini']);
  });

  it('a failing identify or listModels tap is a 500 in the OpenAI envelope, naming the plugin', async () => {
    for (const hook of ['identify', 'listModels'] as const) {
      const broken: TollgatePlugin = {
        name: 'broken-resolver',
        apply: (h) =>
          h.hooks[hook].tap('broken-resolver', () => {
            throw new Error('directory unreachable');
          }),
      };
      const gw = await r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [broken] });
      const paths = hook === 'identify' ? ['/v1/models', '/v1/chat/completions'] : ['/v1/models'];
      for (const path of paths) {
        const res = await send(gw.url, { method: path === '/v1/models' ? 'GET' : 'POST', path, body: path === '/v1/models' ? undefined : JSON.stringify(chat('mock-1')) });
        assert.equal(res.status, 500, `${hook} ${path}`);
        assert.equal(res.json().error.type, 'server_error');
        assert.match(res.json().error.message, /broken-resolver/);
        assert.ok(!res.text.includes('directory unreachable'));
      }
      assert.ok(
        gw.logs.lines.some((l) => l.level === 50 && (l.err as { plugin?: string } | undefined)?.plugin === 'broken-resolver'),
        'the failure is logged with the plugin',
      );
    }
  });

  it('GET /healthz answers ok with the version', async () => {
    const gw = await r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } } });
    const res = await send(gw.url, { method: 'GET', path: '/healthz' });
    assert.equal(res.status, 200);
    assert.equal(res.json().status, 'ok');
    assert.match(res.json().version, /^\d+\.\d+\.\d+/);
  });

  it('serves an LLM route the same on its literal path (direct) and on what only the router matches', async () => {
    const answer = { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
    const upstream = await r.upstream(jsonResponder(answer));
    const gw = await r.gateway({ config: { providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } } } });
    // The first two are served from node:http directly, the others by Koa's router (trailing
    // slash, letter case, an absolute-form request target).
    const paths = ['/v1/chat/completions', '/chat/completions?api-version=1', '/v1/chat/completions/', '/V1/Chat/Completions', `${gw.url}/v1/chat/completions`];
    for (const path of paths) {
      const res = await send(gw.url, { path, body: JSON.stringify(chat('gpt-4o')) });
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.json(), answer, path);
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, path);
    }
    assert.deepEqual(
      upstream.requests.map((q) => q.url),
      ['/v1/chat/completions', '/v1/chat/completions?api-version=1', '/v1/chat/completions', '/v1/chat/completions', '/v1/chat/completions'],
    );
    const exchanges = await Promise.all(paths.map((_, i) => gw.exchange(i + 1)));
    assert.deepEqual(exchanges.map((e) => [e.status, e.model, e.format]), paths.map(() => [200, 'gpt-4o', 'openai_chat']));
    assert.equal(gw.gateway.runtime.inFlight, 0);
  });

  it('answers 404 for unknown paths and 405 for wrong methods, in the OpenAI envelope', async () => {
    const gw = await r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } } });
    const notFound = await send(gw.url, { method: 'GET', path: '/v2/whatever' });
    assert.equal(notFound.status, 404);
    assert.equal(notFound.json().error.code, 'unknown_url');
    const wrong = await send(gw.url, { method: 'DELETE', path: '/healthz' });
    assert.equal(wrong.status, 405);
    assert.match(String(wrong.headers.allow), /GET/);
    const chatGet = await send(gw.url, { method: 'GET', path: '/chat/completions' });
    assert.equal(chatGet.status, 405);
    assert.equal(chatGet.headers.allow, 'POST');
  });
});
