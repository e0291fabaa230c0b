import assert from 'node:assert/strict';
import type { TollgatePlugin } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';
import { send, useResources } from './helpers.js';

const ADMIN = 'tg-cp-admin-key-1001';
const USER = 'tg-cp-user-key-2002';

/** Adds prices to one model, as the quotas plugin does. */
const pricing: TollgatePlugin = {
  name: 'pricing',
  apply: (host) => host.hooks.describeModels.tap('pricing', (models) => models.map((m) => (m.id === 'gpt-4o' ? { ...m, pricing: { inputPerMtok: 2.5, outputPerMtok: 10, costBasis: 'openai/gpt-4o' } } : m))),
};

describe("core's control-plane routes", () => {
  const r = useResources();

  async function gateway() {
    return r.gateway({
      config: {
        providers: {
          openai: { baseurl: 'mock://', models: ['gpt-4o', 'gpt-4.1-mini'], compatibility: { openai_chat: true, openai_responses: true } },
          off: { baseurl: 'mock://', models: ['old-1'], disabled: true },
        },
        identity: { api_keys: { [ADMIN]: { login: 'admin@example.com', name: 'Ada Admin' }, [USER]: 'user@example.com' }, loopback: false },
        grants: [
          { src: ['admin@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin', models: '**' }, { read_metrics: true }] } },
          { src: ['user@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: 'openai/gpt-4o' }] } },
        ],
      },
      plugins: [grantsPlugin, pricing],
    });
  }

  it('GET /api/whoami says who the caller is and what it may do', async () => {
    const gw = await gateway();
    const admin = await send(gw.url, { method: 'GET', path: '/api/whoami', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.deepEqual(admin.json(), { login: 'admin@example.com', display_name: 'Ada Admin', role: 'admin', capabilities: ['read_metrics'] });
    const user = await send(gw.url, { method: 'GET', path: '/api/whoami', headers: { authorization: `Bearer ${USER}` } });
    assert.deepEqual(user.json(), { login: 'user@example.com', display_name: null, role: 'user', capabilities: [] });
    const nobody = await send(gw.url, { method: 'GET', path: '/api/whoami' });
    assert.equal(nobody.status, 401);
    assert.match(String(nobody.headers['content-type']), /problem\+json/);
  });

  it('GET /api/models lists every served model, whether the caller may use it, and what plugins add', async () => {
    const gw = await gateway();
    const res = await send(gw.url, { method: 'GET', path: '/api/models', headers: { authorization: `Bearer ${USER}` } });
    assert.equal(res.status, 200);
    const models = res.json<{ models: Array<Record<string, unknown>> }>().models;
    assert.deepEqual(
      models.map((m) => [m.id, m.provider, m.allowed]),
      [
        ['gpt-4o', 'openai', true],
        ['gpt-4.1-mini', 'openai', false],
      ],
      'disabled providers are left out; the user is granted one model',
    );
    assert.deepEqual(models[0]?.compatibility, ['openai_chat', 'openai_responses']);
    assert.deepEqual(models[0]?.endpoints, ['/v1/chat/completions', '/v1/responses']);
    assert.deepEqual(models[0]?.pricing, { input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: null, cost_basis: 'openai/gpt-4o' });
    assert.equal(models[1]?.pricing, null);
    const admin = await send(gw.url, { method: 'GET', path: '/api/models', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.deepEqual(admin.json<{ models: Array<{ allowed: boolean }> }>().models.map((m) => m.allowed), [true, true]);
  });
});
