import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  type ConfigIssue,
  type PluginInput,
  TollgateError,
  definePlugin,
  prepareConfig,
} from '@tollgate/core';
import { importPlugin, pluginPackageCandidates } from '@tollgate/core/internal';
import { Type } from 'typebox';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'plugins');
const CONFIG_FILE = join(FIXTURES, 'tollgate.jsonc'); // never read: only its directory matters
const providers = { p: { baseurl: 'https://api.example.com', models: ['m'] } };

/** Prepares a config whose `plugins` list is `plugins`, resolving from the fixture tree. */
function prepare(plugins: unknown[], extra: Record<string, unknown> = {}) {
  return prepareConfig({ raw: { providers, plugins, ...extra }, source: CONFIG_FILE, env: {}, resolvePaths: [FIXTURES] });
}

async function rejected(plugins: unknown[], extra: Record<string, unknown> = {}): Promise<ConfigIssue[]> {
  try {
    await prepare(plugins, extra);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.filter((i) => i.severity === 'error');
  }
  assert.fail('expected start-up to fail');
}

describe('plugin resolution', () => {
  it('tries @tollgate/plugin-<name>, tollgate-plugin-<name>, then the name; scoped names get their scope', () => {
    assert.deepEqual(pluginPackageCandidates('grants'), ['@tollgate/plugin-grants', 'tollgate-plugin-grants', 'grants']);
    assert.deepEqual(pluginPackageCandidates('tollgate-plugin-x'), ['tollgate-plugin-x']);
    assert.deepEqual(pluginPackageCandidates('@acme/x'), ['@acme/tollgate-plugin-x', '@acme/x']);
    assert.deepEqual(pluginPackageCandidates('@acme/tollgate-plugin-x'), ['@acme/tollgate-plugin-x']);
  });

  it('resolves every naming convention from node_modules', async () => {
    const cases: Array<[string, string, string]> = [
      ['alpha', '@tollgate/plugin-alpha', 'alpha'],
      ['beta', 'tollgate-plugin-beta', 'beta'],
      ['tollgate-plugin-beta', 'tollgate-plugin-beta', 'beta'],
      ['gamma', 'gamma', 'gamma'],
      ['@acme/delta', '@acme/tollgate-plugin-delta', 'delta'],
      ['@acme/epsilon', '@acme/epsilon', 'epsilon'],
      ['zeta', '@tollgate/plugin-zeta', 'zeta-first-party'],
      ['exported', 'tollgate-plugin-exported', 'exported'],
      ['named', 'tollgate-plugin-named', 'named'],
    ];
    for (const [spec, pkg, name] of cases) {
      const imported = await importPlugin(spec, { baseDirs: [FIXTURES] });
      assert.equal(imported.matched, pkg, spec);
      assert.equal((imported.exported as { name: string }).name, name, spec);
    }
    const exported = await importPlugin('exported', { baseDirs: [FIXTURES] });
    assert.ok(exported.file.endsWith(join('lib', 'entry.js')), exported.file);
  });

  it('resolves a local path relative to the config file', async () => {
    const { plugins } = await prepare(['./local-plugin.js']);
    assert.deepEqual(plugins.map((p) => p.name), ['local']);
    const abs = await importPlugin(join(FIXTURES, 'local-plugin.js'), { baseDirs: ['/nonexistent'] });
    assert.equal((abs.exported as { name: string }).name, 'local');
  });

  it('throws TG_ERR_PLUGIN_NOT_FOUND listing what it tried', async () => {
    await assert.rejects(importPlugin('nowhere', { baseDirs: [FIXTURES] }), (err: unknown) => {
      assert.ok(TollgateError.is(err, 'TG_ERR_PLUGIN_NOT_FOUND'));
      for (const pkg of ['@tollgate/plugin-nowhere', 'tollgate-plugin-nowhere']) assert.ok(err.message.includes(pkg), err.message);
      return true;
    });
    await assert.rejects(importPlugin('./missing.js', { baseDirs: [FIXTURES] }), (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN_NOT_FOUND'));
  });

  it('throws TG_ERR_PLUGIN_INVALID when the module fails to load', async () => {
    await assert.rejects(importPlugin('broken', { baseDirs: [FIXTURES] }), (err: unknown) => TollgateError.is(err, 'TG_ERR_PLUGIN_INVALID') && err.cause instanceof Error);
  });
});

describe('plugin loading fails closed', () => {
  it('loads plugins with their validated options, defaults applied', async () => {
    const { plugins } = await prepare(['alpha', ['opts', { url: 'https://hooks.example.com' }]]);
    assert.deepEqual(plugins.map((p) => [p.name, p.options]), [
      ['alpha', {}],
      ['opts', { url: 'https://hooks.example.com', timeoutMs: 5000 }],
    ]);
  });

  it('lists every load and validation error at once, with codes and plugins.<name> paths', async () => {
    const errors = await rejected(
      ['nowhere', 'broken', 'notaplugin', ['opts', { url: 'ftp://x', timeoutMs: 0, retry: true }], 'oldcore', 'needy', 'owner', 'alpha', 'alpha'],
      { widgets: { small: { size: 0 }, big: { size: 'xl' } } },
    );
    const got = errors.map((e) => [e.path, e.code]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
    assert.deepEqual(got, [
      ['plugins.alpha', 'TG_ERR_PLUGIN_CONFIG'], // listed twice
      ['plugins.broken', 'TG_ERR_PLUGIN_INVALID'],
      ['plugins.needy', 'TG_ERR_PLUGIN_DEPENDENCY'], // missing-friend; alpha is loaded
      ['plugins.notaplugin', 'TG_ERR_PLUGIN_INVALID'],
      ['plugins.nowhere', 'TG_ERR_PLUGIN_NOT_FOUND'],
      ['plugins.oldcore', 'TG_ERR_PLUGIN_VERSION_MISMATCH'],
      ['plugins.opts/retry', 'TG_ERR_PLUGIN_CONFIG'],
      ['plugins.opts/timeoutMs', 'TG_ERR_PLUGIN_CONFIG'],
      ['plugins.opts/url', 'TG_ERR_PLUGIN_CONFIG'],
      ['plugins.owner/widgets/big/size', 'TG_ERR_PLUGIN_CONFIG'],
      ['plugins.owner/widgets/small/size', 'TG_ERR_PLUGIN_CONFIG'],
    ]);
    assert.match(errors.find((e) => e.path === 'plugins.needy')?.message ?? '', /missing-friend/);
  });

  it('a missing dependency is an error unless the dependency is loaded too', async () => {
    const errors = await rejected(['needy']);
    assert.equal(errors.filter((e) => e.code === 'TG_ERR_PLUGIN_DEPENDENCY').length, 2);
  });

  it('gives a plugin the validated sections it owns', async () => {
    const { plugins, warnings } = await prepare(['owner'], { widgets: { a: { size: 3 } } });
    assert.deepEqual(plugins[0]?.sections, { widgets: { a: { size: 3 } } });
    assert.deepEqual(warnings, []);
  });

  it('refuses a plugin that claims a core section, and options for a plugin without a schema', async () => {
    const claims = definePlugin({ name: 'claims', sections: { providers: Type.Object({}) }, create: () => ({ name: 'claims', apply() {} }) });
    const plugins: PluginInput[] = [claims, ['alpha', { unexpected: 1 }]];
    const err = await prepareConfig({ raw: { providers }, plugins, source: CONFIG_FILE, env: {}, resolvePaths: [FIXTURES] }).catch((e: unknown) => e);
    assert.ok(err instanceof ConfigError, String(err));
    const errors = err.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors.map((e) => [e.path, e.code]).sort(), [
      ['plugins.alpha', 'TG_ERR_PLUGIN_CONFIG'],
      ['plugins.claims', 'TG_ERR_PLUGIN_CONFIG'],
    ]);
  });

  it('a module exporting an instance loads as that instance; with options it is refused', async () => {
    const { plugins } = await prepare(['instance']);
    assert.equal(plugins[0]?.instance?.name, 'instance');
    const errors = await rejected([['instance', { a: 1 }]]);
    assert.deepEqual(errors.map((e) => e.code), ['TG_ERR_PLUGIN_CONFIG']);
    assert.match(errors[0]?.message ?? '', /takes no options/);
  });

  it('with no plugins key, absent default plugins are skipped unless a section needs them', async () => {
    // Resolve from an empty directory outside the repository: no grants/webhook/oso there.
    const empty = mkdtempSync(join(tmpdir(), 'tollgate-noplugins-'));
    const opts = { source: join(empty, 'tollgate.jsonc'), env: {}, resolvePaths: [] };
    const cwd = process.cwd();
    process.chdir(empty);
    try {
      const ok = await prepareConfig({ raw: { providers }, ...opts });
      assert.deepEqual(ok.plugins, []);
      await assert.rejects(prepareConfig({ raw: { providers, hooks: {} }, ...opts }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.code]),
          [['plugins.webhook', 'TG_ERR_PLUGIN_NOT_FOUND']],
        );
        return true;
      });
    } finally {
      process.chdir(cwd);
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
