import assert from 'node:assert/strict';
import { ConfigError } from '@tollgate/core';
import { type PluginHarness, createPluginHarness } from '@tollgate/testing';
import __camel__Plugin, { DENIED_CODE, PLUGIN_NAME } from '__package__';

// Unit tests through the real core hooks, without HTTP: the harness validates the options exactly
// as `tollgate start` does, applies the plugin, and fires hooks with realistic contexts.
describe('__name__ (through hooks)', () => {
  let harness: PluginHarness | undefined;
  const start = async (options: Record<string, unknown>): Promise<PluginHarness> => (harness = await createPluginHarness({ plugins: [[__camel__Plugin, options]] }));
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('blocks a tool call whose arguments contain a denied text, whatever the case', async () => {
    const h = await start({ deny: ['rm -rf'] });
    const ctx = h.request();
    const denial = await h.onToolCall(ctx, { name: 'bash', params: { command: 'cd /tmp && RM -RF build' } });
    assert.equal(denial?.action, 'block');
    assert.equal(denial?.code, DENIED_CODE);
    assert.match(denial?.message ?? '', /tool call "bash" denied by/);
    assert.deepEqual(
      ctx.decisions.map((d) => [d.plugin, d.subject, d.allowed]),
      [[PLUGIN_NAME, 'tool:bash', false]],
    );
  });

  it('looks into nested arguments and lets other calls through', async () => {
    const h = await start({ deny: ['sudo '] });
    const ctx = h.request();
    assert.ok(await h.onToolCall(ctx, { name: 'run', params: { steps: [{ cmd: 'sudo reboot' }] } }));
    assert.equal(await h.onToolCall(ctx, { name: 'run', params: { steps: [{ cmd: 'ls' }] } }), undefined);
  });

  it('checks only the listed tools, and strips instead of blocking when asked', async () => {
    const h = await start({ deny: ['rm -rf'], tools: ['bash'], action: 'strip' });
    const ctx = h.request();
    assert.equal(await h.onToolCall(ctx, { name: 'write_file', params: { text: 'rm -rf' } }), undefined);
    assert.equal((await h.onToolCall(ctx, { name: 'bash', params: { command: 'rm -rf /' } }))?.action, 'strip');
  });

  it('taps nothing without deny texts', async () => {
    const h = await start({});
    assert.equal(h.hooks.onToolCall.isUsed(), false);
  });

  it('rejects unknown options and invalid values at start-up, with their paths', async () => {
    await assert.rejects(start({ deny: 'rm -rf', acton: 'strip' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const paths = err.issues.filter((i) => i.severity === 'error').map((i) => i.path);
      assert.ok(paths.includes(`plugins.${PLUGIN_NAME}/deny`), paths.join(', '));
      assert.ok(paths.some((p) => p.startsWith(`plugins.${PLUGIN_NAME}`) && p !== `plugins.${PLUGIN_NAME}/deny`), paths.join(', '));
      return true;
    });
  });
});
