import assert from 'node:assert/strict';
import { type TollgatePlugin, TollgateError, refuse } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';
import { type RawResponse, send, useResources } from './helpers.js';

const ADMIN_KEY = 'tg-route-admin-key-5521';
const USER_KEY = 'tg-route-user-key-8812';
const METRICS_KEY = 'tg-route-metrics-key-3340';

/** A tiny plugin serving routes through core's extension point. */
const notes: TollgatePlugin = {
  name: 'notes',
  apply(host) {
    const saved: unknown[] = [];
    host.routes.add({
      method: 'GET',
      path: '/api/notes/whoami',
      handler: (ctx) => {
        ctx.body = { login: ctx.state.identity?.login, role: ctx.state.access.role ?? null, capabilities: [...ctx.state.access.capabilities] };
      },
    });
    host.routes.add({
      method: ['GET', 'POST'],
      path: '/api/notes',
      access: 'admin',
      handler: async (ctx) => {
        if (ctx.method === 'POST') {
          const body = await ctx.state.readJson();
          if (typeof body.text !== 'string') throw refuse({ status: 422, kind: 'invalid_request', message: 'the note has errors', details: { errors: [{ path: 'text', message: 'must be a string' }] } });
          saved.push(body.text);
          ctx.status = 201;
        }
        ctx.body = { notes: saved };
      },
    });
    host.routes.add({ method: 'GET', path: '/api/notes/:id', access: { capability: 'read_metrics' }, handler: (ctx) => void (ctx.body = { id: ctx.params.id }) });
    host.routes.add({ method: 'GET', path: '/notes-public', access: 'public', handler: (ctx) => void (ctx.body = { identity: ctx.state.identity ?? null }) });
    host.routes.add({ method: 'GET', path: '/api/notes-broken', handler: () => { throw new Error('database password is hunter2'); } });
  },
};

const GRANTS = [
  { src: ['admin@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }] } },
  { src: ['user@example.com', 'metrics@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }] } },
  { src: ['metrics@example.com'], app: { 'tailscale.com/cap/aperture': [{ read_metrics: true }] } },
];

function assertProblem(res: RawResponse, status: number): Record<string, unknown> {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}

describe('routes served by plugins (core extension point)', () => {
  const r = useResources();

  async function gateway() {
    return r.gateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
        identity: { api_keys: { [ADMIN_KEY]: 'admin@example.com', [USER_KEY]: 'user@example.com', [METRICS_KEY]: 'metrics@example.com' }, loopback: false },
        grants: GRANTS,
      },
      plugins: [grantsPlugin, notes],
    });
  }
  const as = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

  it('resolves the caller with the identify hook and its access with the access hook', async () => {
    const gw = await gateway();
    const res = await send(gw.url, { method: 'GET', path: '/api/notes/whoami', headers: as(METRICS_KEY) });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { login: 'metrics@example.com', role: 'user', capabilities: ['read_metrics'] });
    assert.ok(res.headers['x-request-id']);
    const unidentified = assertProblem(await send(gw.url, { method: 'GET', path: '/api/notes/whoami' }), 401);
    assert.equal(unidentified.code, 'unauthenticated');
    const pub = await send(gw.url, { method: 'GET', path: '/notes-public' });
    assert.deepEqual([pub.status, pub.json()], [200, { identity: null }]);
  });

  it('checks access: admin routes refuse users with 403, capability routes let in admins and holders', async () => {
    const gw = await gateway();
    assertProblem(await send(gw.url, { method: 'GET', path: '/api/notes', headers: as(USER_KEY) }), 403);
    assert.equal((await send(gw.url, { method: 'GET', path: '/api/notes', headers: as(ADMIN_KEY) })).status, 200);
    assertProblem(await send(gw.url, { method: 'GET', path: '/api/notes/7', headers: as(USER_KEY) }), 403);
    for (const key of [ADMIN_KEY, METRICS_KEY]) {
      const res = await send(gw.url, { method: 'GET', path: '/api/notes/7', headers: as(key) });
      assert.deepEqual([res.status, res.json()], [200, { id: '7' }]);
    }
  });

  it('refuses state-changing requests from other origins and without a JSON body', async () => {
    const gw = await gateway();
    const body = JSON.stringify({ text: 'hello' });
    const host = new URL(gw.url).host;
    assertProblem(await send(gw.url, { path: '/api/notes', body, headers: as(ADMIN_KEY, { origin: 'https://evil.example' }) }), 403);
    assertProblem(await send(gw.url, { path: '/api/notes', body, headers: as(ADMIN_KEY, { 'sec-fetch-site': 'cross-site' }) }), 403);
    assertProblem(await send(gw.url, { path: '/api/notes', body: 'text=hello', headers: as(ADMIN_KEY, { 'content-type': 'application/x-www-form-urlencoded' }) }), 415);
    const ok = await send(gw.url, { path: '/api/notes', body, headers: as(ADMIN_KEY, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }) });
    assert.deepEqual([ok.status, ok.json()], [201, { notes: ['hello'] }]);
    const list = await send(gw.url, { method: 'GET', path: '/api/notes', headers: as(ADMIN_KEY) });
    assert.deepEqual(list.json(), { notes: ['hello'] }, 'refused writes changed nothing');
  });

  it('answers refusals with details and failures as problem+json, never leaking a failure message', async () => {
    const gw = await gateway();
    const invalid = assertProblem(await send(gw.url, { path: '/api/notes', body: JSON.stringify({ text: 3 }), headers: as(ADMIN_KEY) }), 422);
    assert.deepEqual(invalid.errors, [{ path: 'text', message: 'must be a string' }]);
    const broken = assertProblem(await send(gw.url, { method: 'GET', path: '/api/notes-broken', headers: as(ADMIN_KEY) }), 500);
    assert.ok(!JSON.stringify(broken).includes('hunter2'));
    assertProblem(await send(gw.url, { path: '/api/notes', body: '{"text":', headers: as(ADMIN_KEY) }), 400);
  });

  it('derives 405 and 404 from the one route table, each in the envelope of the API the path belongs to', async () => {
    const gw = await gateway();
    const wrongMethod = await send(gw.url, { method: 'DELETE', path: '/api/notes', headers: as(ADMIN_KEY) });
    assertProblem(wrongMethod, 405);
    assert.equal(wrongMethod.headers.allow, 'HEAD, GET, POST');
    // A Gemini path with a model in a sub-folder answers 405 in Gemini's envelope, like a one-segment model.
    for (const path of ['/v1beta/models/tunedModels/m:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent']) {
      const res = await send(gw.url, { method: 'GET', path });
      assert.equal(res.status, 405, path);
      assert.deepEqual([res.json().error.code, res.json().error.status, res.headers.allow], [405, 'INVALID_ARGUMENT', 'POST'], path);
    }
    // The classic base-URL mistake: an Anthropic client gets Anthropic's envelope and a hint.
    const doubled = await send(gw.url, { path: '/v1/v1/messages', body: '{}' });
    assert.equal(doubled.status, 404);
    assert.equal(doubled.json().type, 'error');
    assert.match(doubled.json().error.message, /did you mean POST \/v1\/messages\?/);
    assertProblem(await send(gw.url, { method: 'GET', path: '/api/nothing-here', headers: as(ADMIN_KEY) }), 404);
    const openai = await send(gw.url, { method: 'GET', path: '/something-else' });
    assert.equal(openai.json().error.code, 'unknown_url');
  });

  it('lists every route at start-up and writes an access line naming the route owner', async () => {
    const gw = await gateway();
    await send(gw.url, { method: 'GET', path: '/api/notes/whoami', headers: as(ADMIN_KEY) });
    const listening = gw.logs.lines.find((l) => l.msg === 'tollgate listening') as { routes: string[] } | undefined;
    assert.ok(listening?.routes.includes('GET /api/notes/whoami (notes)'), JSON.stringify(listening?.routes));
    assert.ok(listening?.routes.includes('POST /v1/chat/completions (openai_chat)'));
    assert.ok(listening?.routes.includes('GET /v1/models (core)'));
    const line = gw.logs.lines.find((l) => l.msg === 'request completed' && l.path === '/api/notes/whoami');
    assert.deepEqual([line?.route, line?.identity, line?.status], ['notes', 'admin@example.com', 200]);
  });

  it('refuses two routes on one method and path at start-up', async () => {
    const twin: TollgatePlugin = { name: 'twin', apply: (host) => host.routes.add({ method: 'GET', path: '/v1/models', handler: () => undefined }) };
    await assert.rejects(
      r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [twin] }),
      (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN') && /GET \/v1\/models is served by core and twin/.test(err.message),
    );
  });
});
