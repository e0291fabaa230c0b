import assert from 'node:assert/strict';
import { ApiErrorException, type Identity, PluginHookError, createIdentity } from '@tollgate/core';
import grantsPlugin, { EFFECTIVE_CAPABILITIES, GrantsPlugin, NO_ROLE_MESSAGE, effectiveCapabilities } from '@tollgate/plugin-grants';
import { type PluginHarness, createPluginHarness } from '@tollgate/testing';

const AP = 'tailscale.com/cap/aperture';
const alice = createIdentity({ login: 'alice@example.com', resolver: 'test' });
const bob = createIdentity({ login: 'bob@example.com', resolver: 'test' });
const nobody = createIdentity({ login: 'nobody@example.com', resolver: 'test' });

const CONFIG = {
  providers: {
    anthropic: { baseurl: 'mock://', name: 'Anthropic', models: ['claude-sonnet-4-6', 'claude-opus-4-5'] },
    // Two providers serve gpt-5; "primary" is preferred.
    primary: { baseurl: 'mock://', name: 'Primary', models: ['gpt-5'], preference: 10 },
    backup: { baseurl: 'mock://', name: 'Backup', description: 'second source', models: ['gpt-5', 'gpt-5-mini'], compatibility: { openai_chat: true } },
    off: { baseurl: 'mock://', models: ['retired-1'], disabled: true },
  },
  hooks: { audit: { url: 'http://127.0.0.1:9/audit' } },
  grants: [
    { src: ['alice@example.com'], app: { [AP]: [{ role: 'user' }, { models: 'anthropic/**' }, { send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['tools'] }] }] } },
    { src: ['bob@example.com'], app: { [AP]: [{ role: 'user' }, { models: 'backup/**' }] } },
    { src: ['*'], app: { [AP]: [{ models: 'off/**' }] } },
  ],
};

async function listed(h: PluginHarness, identity: Identity): Promise<string[]> {
  const models = await h.hooks.listModels.promise(h.runtime.providers.models(), { identity, log: h.runtime.logger });
  return models.map((m) => `${m.provider}:${m.id}`).sort();
}

describe('GrantsPlugin', () => {
  let h: PluginHarness;
  beforeEach(async () => {
    h = await createPluginHarness({ config: CONFIG, plugins: [grantsPlugin] });
  });
  afterEach(() => h.close());

  it('publishes the effective capabilities under EFFECTIVE_CAPABILITIES, for the exchange too', async () => {
    const ctx = h.request({ identity: alice, model: 'claude-opus-4-5' });
    assert.equal(await h.onRequest(ctx), undefined);
    const caps = ctx.state.get(EFFECTIVE_CAPABILITIES);
    assert.ok(caps !== undefined);
    assert.deepEqual([caps.role, caps.modelAllowed, caps.model, [...caps.hooks.keys()]], ['user', true, 'anthropic/claude-opus-4-5', ['audit']]);
    const exchange = await h.respond(ctx);
    assert.equal(effectiveCapabilities(exchange), caps);
    assert.deepEqual(
      exchange.decisions.map((d) => [d.plugin, d.subject, d.allowed, d.reason]),
      [['grants', 'model', true, 'role user']],
    );
    assert.equal(typeof exchange.decisions[0]?.durationMs, 'number');
  });

  it('computes the decision once per caller and model: the same frozen object is shared', async () => {
    const a = h.request({ identity: alice, model: 'claude-opus-4-5' });
    const b = h.request({ identity: alice, model: 'claude-opus-4-5' });
    const c = h.request({ identity: alice, model: 'claude-sonnet-4-6' });
    await h.onRequest(a);
    await h.onRequest(b);
    await h.onRequest(c);
    assert.equal(effectiveCapabilities(a), effectiveCapabilities(b));
    assert.notEqual(effectiveCapabilities(a), effectiveCapabilities(c));
    assert.ok(Object.isFrozen(effectiveCapabilities(a)));
    assert.ok(Object.isFrozen(effectiveCapabilities(a)?.quotas));
  });

  it('checks the provider the request is routed to, not just the model name', async () => {
    // gpt-5 routes to "primary" (preference 10); bob is granted only backup/**.
    const plain = h.request({ identity: bob, model: 'gpt-5' });
    assert.equal((await h.onRequest(plain))?.status, 404);
    const prefixed = h.request({ identity: bob, model: 'backup/gpt-5' });
    assert.equal(prefixed.provider.id, 'backup');
    assert.equal(await h.onRequest(prefixed), undefined);
  });

  it('refuses every API format the same way (the decision does not depend on the format)', async () => {
    const formats = h.runtime.formats.all();
    assert.ok(formats.length >= 1);
    for (const format of formats) {
      const ungranted = h.request({ identity: alice, model: 'gpt-5', format: format.name });
      assert.deepEqual([(await h.onRequest(ungranted))?.status, format.name], [404, format.name]);
      const noRole = h.request({ identity: nobody, model: 'claude-opus-4-5', format: format.name });
      assert.deepEqual([(await h.onRequest(noRole))?.message, format.name], [NO_ROLE_MESSAGE, format.name]);
      const granted = h.request({ identity: alice, model: 'claude-opus-4-5', format: format.name });
      assert.deepEqual([await h.onRequest(granted), format.name], [undefined, format.name]);
    }
  });

  it('lists only granted models in GET /v1/models (listModels)', async () => {
    assert.deepEqual(await listed(h, alice), ['anthropic:claude-opus-4-5', 'anthropic:claude-sonnet-4-6']);
  });

  it('lists a model under a granted provider that also serves it, named so it routes there', async () => {
    const models = await h.hooks.listModels.promise(h.runtime.providers.models(), { identity: bob, log: h.runtime.logger });
    assert.deepEqual(
      models.map((m) => [m.id, m.provider, m.providerName, m.providerDescription, m.supportedEndpoints]),
      [
        ['backup/gpt-5', 'backup', 'Backup', 'second source', ['/v1/chat/completions']],
        ['gpt-5-mini', 'backup', 'Backup', 'second source', ['/v1/chat/completions']],
      ],
    );
    const ctx = h.request({ identity: bob, model: 'backup/gpt-5' });
    assert.equal(await h.onRequest(ctx), undefined, 'the listed id is usable');
  });

  it('never lists a disabled provider, even when granted', async () => {
    assert.ok(!(await listed(h, alice)).some((m) => m.startsWith('off:')));
  });

  it('refuses GET /v1/models with 403 to a caller without a role', async () => {
    await assert.rejects(h.hooks.listModels.promise(h.runtime.providers.models(), { identity: nobody, log: h.runtime.logger }), (err: unknown) => {
      const cause = err instanceof PluginHookError ? err.cause : err;
      assert.ok(cause instanceof ApiErrorException);
      assert.deepEqual([cause.apiError.status, cause.apiError.message], [403, NO_ROLE_MESSAGE]);
      return true;
    });
  });

  it('offers its decision to other plugins through the plugin instance', () => {
    const plugin = h.runtime.plugins.find((p) => p.name === 'grants');
    assert.ok(plugin instanceof GrantsPlugin);
    assert.equal(plugin.allows(alice, 'anthropic', 'claude-opus-4-5'), true);
    assert.equal(plugin.allows(alice, 'backup', 'gpt-5'), false);
    assert.equal(plugin.allows(nobody, 'off', 'retired-1'), false, 'a model grant without a role is no access');
    assert.deepEqual([...plugin.effective(alice, 'anthropic', 'claude-opus-4-5').hooks.keys()], ['audit']);
  });

  it('runs at stage authorize, after identity and before guardrails', () => {
    const taps = (h.hooks.onRequest as unknown as { taps: Array<{ name: string; stage: number }> }).taps.filter((t) => t.name === 'grants');
    assert.deepEqual(
      taps.map((t) => t.stage),
      [-200],
    );
  });
});
