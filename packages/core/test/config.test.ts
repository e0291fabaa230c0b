import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue, TollgateError, closestMatch, configChanges, didYouMean, dottedPath, durationMs, formatIssue, issueLocation, loadConfigFile, parseDuration, prepareConfig, summarizeChanges } from '@tollgate/core';
import { MockUpstream, ProviderRegistry, parseHujson } from '@tollgate/core/internal';
import { anthropicMessagesFormat, openAiChatFormat } from '@tollgate/core/formats';

const provider = { baseurl: 'https://api.example.com', models: ['m-1'] };

async function configError(raw: unknown, env: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await prepareConfig({ raw, env, plugins: [] });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the configuration to be rejected');
}

const errorsOf = (issues: readonly ConfigIssue[]) => issues.filter((i) => i.severity === 'error');
const paths = (issues: readonly ConfigIssue[]) => issues.map((i) => i.path).sort();

describe('config: HuJSON', () => {
  it('accepts comments and trailing commas', () => {
    const { value, issues } = parseHujson(`{
      // a line comment
      "providers": { /* block comment */ "openai": { "baseurl": "https://api.openai.com", "models": ["gpt-4.1",], }, },
    }`);
    assert.deepEqual(issues, []);
    assert.deepEqual(value, { providers: { openai: { baseurl: 'https://api.openai.com', models: ['gpt-4.1'] } } });
  });

  it('warns about a duplicate key with its JSON path; the last value wins', () => {
    const { value, issues } = parseHujson('{"providers": {"a": {"apikey": "one", "apikey": "two"}}}');
    assert.deepEqual(issues.map((i) => [i.severity, i.path]), [['warning', 'config/providers/a/apikey']]);
    assert.equal((value as { providers: { a: { apikey: string } } }).providers.a.apikey, 'two');
  });

  it('reports every syntax error with line and column', () => {
    const { value, issues } = parseHujson('{\n  "a": 1\n  "b": \n}');
    assert.equal(value, undefined);
    assert.ok(issues.length >= 2, JSON.stringify(issues));
    assert.ok(issues.every((i) => i.severity === 'error' && /^config@\d+:\d+$/.test(i.path)), JSON.stringify(issues));
    assert.equal(issues[0]?.path, 'config@3:3');
  });

  it('loadConfigFile throws a ConfigError on syntax errors and TG_ERR_CONFIG_READ on a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    try {
      const bad = join(dir, 'bad.jsonc');
      writeFileSync(bad, '{ "providers": { , } }');
      await assert.rejects(loadConfigFile(bad), (err: unknown) => err instanceof ConfigError && err.code === 'TG_ERR_CONFIG_INVALID');
      await assert.rejects(loadConfigFile(join(dir, 'missing.jsonc')), (err: unknown) => TollgateError.is(err, 'TG_ERR_CONFIG_READ'));
      const good = join(dir, 'good.jsonc');
      writeFileSync(good, '{ "providers": { "p": { "baseurl": "https://x.example", "models": ["m"], }, }, "providers": {} }');
      const loaded = await loadConfigFile(good);
      assert.deepEqual(loaded.raw, { providers: {} });
      assert.deepEqual(loaded.warnings.map((w) => w.path), ['config/providers']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config: env: references', () => {
  it('replaces env:NAME values and registers them as secrets', async () => {
    const prepared = await prepareConfig({
      raw: { providers: { openai: { ...provider, apikey: 'env:OPENAI_KEY' } } },
      env: { OPENAI_KEY: 'sk-from-the-environment' },
      plugins: [],
    });
    assert.equal(prepared.config.providers.openai?.apikey, 'sk-from-the-environment');
    assert.ok([...prepared.secrets.values()].includes('sk-from-the-environment'));
  });

  it('resolves env: keys of identity.api_keys', async () => {
    const prepared = await prepareConfig({
      raw: { providers: { p: provider }, identity: { api_keys: { 'env:ALICE_KEY': 'alice@example.com' } } },
      env: { ALICE_KEY: 'tg-alice-key-0001' },
      plugins: [],
    });
    assert.deepEqual(Object.keys(prepared.config.identity.api_keys), ['tg-alice-key-0001']);
    assert.ok([...prepared.secrets.values()].includes('tg-alice-key-0001'));
  });

  it('a missing variable is an error naming the variable and the JSON path', async () => {
    const err = await configError({ providers: { openai: { ...provider, apikey: 'env:NOT_SET_ANYWHERE' } } });
    const errors = errorsOf(err.issues);
    assert.deepEqual(paths(errors), ['config/providers/openai/apikey']);
    assert.match(errors[0]?.message ?? '', /NOT_SET_ANYWHERE/);
    assert.equal(err.code, 'TG_ERR_CONFIG_INVALID');
  });

  it('registers literal values of secret fields as secrets too', async () => {
    const prepared = await prepareConfig({ raw: { providers: { p: { ...provider, apikey: 'sk-literal-secret' } } }, env: {}, plugins: [] });
    assert.ok([...prepared.secrets.values()].includes('sk-literal-secret'));
  });
});

describe('config: validation', () => {
  it('applies the defaults of every core section', async () => {
    const { config, warnings } = await prepareConfig({ raw: { providers: { p: provider } }, env: {}, plugins: [] });
    assert.deepEqual(warnings, []);
    const p = config.providers.p;
    assert.equal(p?.apikey, '');
    assert.equal(p?.authorization, 'bearer');
    assert.equal(p?.auth_mode, 'override');
    assert.equal(p?.preference, 0);
    assert.equal(p?.disabled, false);
    assert.deepEqual(p?.add_headers, []);
    assert.equal(config.listen.host, '127.0.0.1');
    assert.equal(config.listen.port, 8080);
    assert.equal(config.identity.loopback, true);
    assert.equal(config.logging.access_log, true);
    assert.equal(config.limits.max_body_size, '20mb');
  });

  it('reports every error at once, each with its JSON path', async () => {
    const err = await configError({
      providers: {
        good: provider,
        bad: { baseurl: 'ftp://nope', models: 'gpt-4.1', preference: 'high', authorization: 'basic' },
        nomodels: { baseurl: 'https://x.example' },
      },
      listen: { port: 70000, headers_timeout: 'soon' },
      limits: { max_json_depth: 2 },
      identity: { api_keys: { k: { login: 'a@example.com', tags: ['not-a-tag'] } } },
      logging: { level: 'loud' },
      plugins: 'grants',
    });
    assert.deepEqual(paths(errorsOf(err.issues)), [
      'config/identity/api_keys/<key #1>',
      'config/limits/max_json_depth',
      'config/listen/headers_timeout',
      'config/listen/port',
      'config/logging/level',
      'config/plugins',
      'config/providers/bad/authorization',
      'config/providers/bad/baseurl',
      'config/providers/bad/models',
      'config/providers/bad/preference',
      'config/providers/nomodels/models',
    ]);
    assert.ok(err.issues.every((i) => i.message.length > 0));
    // The error's message lists them all too, at their dotted locations.
    for (const i of errorsOf(err.issues)) assert.ok(err.message.includes(`${i.location}: `), i.path);
    assert.match(err.message, /providers\.bad\.baseurl: /);
  });

  it('requires providers and an object', async () => {
    assert.deepEqual(paths((await configError({})).issues), ['config/providers']);
    assert.deepEqual(paths((await configError([])).issues), ['config']);
  });

  it('unknown keys are warnings, not errors (Aperture)', async () => {
    const { warnings } = await prepareConfig({
      raw: { providers: { p: { ...provider, basurl: 'typo' } }, listen: { hots: 'x' }, basurl: 'x' },
      env: {},
      plugins: [],
    });
    assert.deepEqual(
      warnings.map((w) => [w.severity, w.path]).sort(),
      [
        ['warning', 'config/basurl'],
        ['warning', 'config/listen/hots'],
        ['warning', 'config/providers/p/basurl'],
      ],
    );
    assert.ok(warnings.every((w) => /unknown config key/.test(w.message)));
  });

  it('a typo of a required key is a warning plus the missing-key error', async () => {
    const err = await configError({ providers: { p: { basurl: 'https://x.example', models: [] } } });
    assert.deepEqual(err.issues.map((i) => [i.severity, i.path]), [
      ['error', 'config/providers/p/baseurl'],
      ['warning', 'config/providers/p/basurl'],
      ['warning', 'config/providers/p/models'],
    ]);
  });

  it('warns about Aperture sections tollgate does not support and sections whose plugin is not loaded', async () => {
    const { warnings } = await prepareConfig({
      raw: { providers: { p: provider }, quotas: {}, exporters: {}, database: {}, mcp: {}, auto_cost_basis: {}, grants: [], hooks: {} },
      env: {},
      plugins: [],
    });
    assert.deepEqual(paths(warnings), ['config/auto_cost_basis', 'config/database', 'config/exporters', 'config/grants', 'config/hooks', 'config/mcp', 'config/quotas']);
    assert.ok(warnings.every((w) => w.severity === 'warning'));
    // quotas and auto_cost_basis belong to the default plugin "quotas", which this config does not load.
    assert.match(warnings.find((w) => w.path === 'config/quotas')?.message ?? '', /its plugin is not loaded/);
    assert.match(warnings.find((w) => w.path === 'config/auto_cost_basis')?.message ?? '', /its plugin is not loaded/);
  });

  it('accepts the provider cost fields cost_basis and model_cost_map (adjustment defaults to 1)', async () => {
    const { config, warnings } = await prepareConfig({
      raw: { providers: { p: { ...provider, cost_basis: 'openai', model_cost_map: [{ match: 'corp-*', as: 'gpt-4.1' }] } } },
      env: {},
      plugins: [],
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.providers.p?.model_cost_map, [{ match: 'corp-*', as: 'gpt-4.1', adjustment: 1 }]);
    const err = await configError({ providers: { p: { ...provider, cost_basis: '', model_cost_map: [{ match: 'x', adjustment: -1 }] } } });
    assert.deepEqual(paths(errorsOf(err.issues)), ['config/providers/p/cost_basis', 'config/providers/p/model_cost_map/0/adjustment']);
  });

  it('warns about malformed add_headers and a provider without models', async () => {
    const { warnings } = await prepareConfig({
      raw: { providers: { p: { ...provider, add_headers: ['X-Good: yes', 'no colon here', 'X-Bad: a\r\nHost: evil'] }, empty: { baseurl: 'https://y.example', models: [] } } },
      env: {},
      plugins: [],
    });
    assert.deepEqual(paths(warnings), ['config/providers/empty/models', 'config/providers/p/add_headers/1', 'config/providers/p/add_headers/2']);
  });
});

describe('config: durations', () => {
  it('parses Go durations to milliseconds', () => {
    const cases: Array<[string, number | undefined]> = [
      ['0', 0],
      ['500ms', 500],
      ['5s', 5000],
      ['1m', 60_000],
      ['1m30s', 90_000],
      ['1.5s', 1500],
      ['2h', 7_200_000],
      ['250us', 0.25],
      ['-2s', -2000],
      [' 3s ', 3000],
      ['', undefined],
      ['5', undefined],
      ['5 s', undefined],
      ['s', undefined],
      ['1d', undefined],
      ['abc', undefined],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, JSON.stringify(text));
  });

  it('durationMs throws on invalid input', () => {
    assert.equal(durationMs('10s'), 10_000);
    assert.throws(() => durationMs('ten seconds'), TypeError);
  });

  it('the schema rejects invalid durations with their path', async () => {
    const err = await configError({ providers: { p: provider }, limits: { drain_timeout: '5 seconds', upstream_idle_timeout: '1m30s' } });
    assert.deepEqual(paths(errorsOf(err.issues)), ['config/limits/drain_timeout']);
  });
});

describe('provider checks', () => {
  it('refuses provider ids that cannot appear in provider/model names', async () => {
    await assert.rejects(prepareConfig({ raw: { providers: { 'a/b c': { baseurl: 'mock://', models: ['m'] } }, plugins: [] }, env: {} }), (err: unknown) => {
      const issues = (err as ConfigError).issues.filter((i) => i.severity === 'error');
      assert.deepEqual(issues.map((i) => i.path), ['config/providers/a~1b c']);
      return true;
    });
  });

  it('warns about compatibility flags tollgate does not serve, and keeps them out of supported_endpoints', async () => {
    const prepared = await prepareConfig({
      raw: { providers: { p: { baseurl: 'mock://', models: ['m'], compatibility: { openai_chat: true, bedrock_converse: true, openai_chta: true } } }, plugins: [] },
      env: {},
    });
    assert.deepEqual(
      prepared.warnings.map((w) => [w.path, /not supported by tollgate yet/.test(w.message) ? 'unsupported' : /unknown compatibility flag/.test(w.message) ? 'unknown' : w.message]),
      [
        ['config/providers/p/compatibility/bedrock_converse', 'unsupported'],
        ['config/providers/p/compatibility/openai_chta', 'unknown'],
      ],
    );
    const registry = new ProviderRegistry(prepared.config.providers, () => new MockUpstream(), [openAiChatFormat, anthropicMessagesFormat]);
    assert.deepEqual(registry.models()[0]?.supportedEndpoints, ['/v1/chat/completions']);
  });
});

describe('config: dotted locations, did-you-mean, changes', () => {
  it('prints JSON pointers as dotted paths, plugin sections as places in the file and plugin options under plugins.<name>', () => {
    assert.equal(dottedPath('/grants/0/app/tailscale.com~1cap~1aperture/1'), 'grants[0].app["tailscale.com/cap/aperture"][1]');
    assert.equal(issueLocation('config/providers/openai/baseurl'), 'providers.openai.baseurl');
    assert.equal(issueLocation('config/providers/a~1b c'), 'providers["a/b c"]');
    assert.equal(issueLocation('plugins.webhook/hooks/oso/url', new Set(['hooks'])), 'hooks.oso.url');
    assert.equal(issueLocation('plugins.webhook/delivery/concurrency', new Set(['hooks'])), 'plugins.webhook.delivery.concurrency');
    assert.equal(issueLocation('plugins.webhook'), 'plugins.webhook');
    assert.equal(formatIssue({ severity: 'error', path: 'config/listen/port', message: 'x' }), 'listen.port: x');
  });

  it('suggests the closest name only when it is close', () => {
    assert.equal(closestMatch('listn', ['listen', 'limits', 'logging']), 'listen');
    assert.equal(closestMatch('webhok', ['grants', 'webhook']), 'webhook');
    assert.equal(closestMatch('zzz', ['listen', 'limits']), undefined);
    assert.equal(didYouMean('gpt-4.l', ['gpt-4.1', 'claude-sonnet-4-5']), '; did you mean "gpt-4.1"?');
  });

  it('names what a reload changed, never values', async () => {
    const before = await prepareConfig({ raw: { providers: { a: { baseurl: 'mock://', models: ['m'], apikey: 'k1-secret-value' } }, plugins: [] }, env: {} });
    const after = await prepareConfig({ raw: { providers: { a: { baseurl: 'mock://', models: ['m'], apikey: 'k2-secret-value' }, b: { baseurl: 'mock://', models: ['n'] } }, logging: { level: 'debug' }, plugins: [] }, env: {} });
    const changes = configChanges(before, after);
    assert.deepEqual(changes.providers, { added: ['b'], removed: [], changed: ['a'] });
    assert.deepEqual(changes.sections, ['logging', 'providers']);
    assert.equal(summarizeChanges(changes), 'providers +b ~a; sections logging, providers');
    assert.doesNotMatch(JSON.stringify(changes), /secret-value/);
    assert.equal(summarizeChanges(configChanges(before, before)), 'no changes');
  });
});
