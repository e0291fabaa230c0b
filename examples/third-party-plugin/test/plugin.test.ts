import assert from 'node:assert/strict';
import { ConfigError } from '@tollgate/core';
import { type PluginHarness, createPluginHarness } from '@tollgate/testing';
import toolAllowlist, { NOT_ALLOWED_CODE, PLUGIN_NAME } from 'tollgate-plugin-tool-allowlist';

const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { q: { type: 'string' } } } } });

// Through the real core hooks, without HTTP.
describe('tool-allowlist (through hooks)', () => {
  let harness: PluginHarness | undefined;
  const start = async (options: Record<string, unknown>, config?: Record<string, unknown>) =>
    (harness = await createPluginHarness({ plugins: [[toolAllowlist, options]], ...(config === undefined ? {} : { config }) }));
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('blocks a tool the caller may not call and records the decision', async () => {
    const h = await start({ rules: [{ users: ['*'], deny: ['delete_*'] }] });
    const ctx = h.request({ identity: h.user('alice@example.com') });
    const denial = await h.onToolCall(ctx, { name: 'delete_repo' });
    assert.equal(denial?.action, 'block');
    assert.equal(denial?.code, NOT_ALLOWED_CODE);
    assert.equal(denial?.message, 'tool "delete_repo" is not allowed for alice@example.com (rule 0 denies "delete_*")');
    assert.equal(await h.onToolCall(ctx, { name: 'read_file' }), undefined);
    assert.deepEqual(ctx.decisions.map((d) => [d.plugin, d.subject, d.allowed]), [
      [PLUGIN_NAME, 'tool:delete_repo', false],
      [PLUGIN_NAME, 'tool:read_file', true],
    ]);
  });

  it('reads group members from the config\'s groups section and strips when asked', async () => {
    const h = await start(
      { rules: [{ users: ['group:admins'], allow: ['*'] }, { users: ['*'], deny: ['bash'] }], action: 'strip' },
      { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } }, groups: { 'group:admins': ['root@example.com'] } },
    );
    assert.equal(await h.onToolCall(h.request({ identity: h.user('root@example.com') }), { name: 'bash' }), undefined);
    assert.equal((await h.onToolCall(h.request({ identity: h.user('alice@example.com') }), { name: 'bash' }))?.action, 'strip');
  });

  it('with filter_tools removes refused tools from the request before the model sees them', async () => {
    const h = await start({ rules: [{ users: ['*'], allow: ['read_*'] }], default: 'deny', filter_tools: true });
    const ctx = h.request({ body: { model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], tools: [tool('read_file'), tool('bash'), tool('read_dir')] } });
    assert.equal(await h.onRequest(ctx), undefined);
    assert.deepEqual(ctx.tools.map((t) => t.name), ['read_file', 'read_dir']);
    assert.deepEqual((ctx.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name), ['read_file', 'read_dir']);
    assert.deepEqual(ctx.decisions.at(-1)?.data, { removed: ['bash'] });
  });

  it('taps nothing when it allows everything', async () => {
    const h = await start({});
    assert.equal(h.hooks.onToolCall.isUsed(), false);
    assert.equal(h.hooks.onRequest.isUsed(), false);
  });

  it('stops start-up listing every option problem with its path', async () => {
    await assert.rejects(start({ rules: [{ users: [] , deny: ['x'] }, { users: ['*'] }], action: 'drop', extra: 1 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const paths = err.issues.filter((i) => i.severity === 'error').map((i) => i.path).sort();
      assert.ok(paths.includes('plugins.tool-allowlist/rules/0/users'), paths.join(', '));
      assert.ok(paths.includes('plugins.tool-allowlist/action'), paths.join(', '));
      assert.ok(paths.some((p) => /plugins\.tool-allowlist(\/extra)?$/.test(p)), paths.join(', '));
      return true;
    });
    await assert.rejects(start({ rules: [{ users: ['*'] }] }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.message]), [['plugins.tool-allowlist/rules/0', 'a rule needs "allow" or "deny" tool globs']]);
      return true;
    });
  });
});
