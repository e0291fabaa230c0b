import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import grantsPlugin from '@tollgate/plugin-grants';
import { type RawResponse, send, useResources } from './helpers.js';

const ADMIN = 'tg-admin-key-config-1111';
const USER = 'tg-user-key-config-2222';
const PROVIDER_KEY = 'sk-provider-secret-config-3333';

const CONFIG = `{
  // The mock LLM, with a literal key (it checks none).
  "providers": {
    "mock": { "baseurl": "mock://", "models": ["mock-1"], "apikey": "${PROVIDER_KEY}" },
  },
  "identity": { "api_keys": { "${ADMIN}": "admin@example.com", "${USER}": "user@example.com" }, "loopback": false },
  "grants": [
    { "src": ["admin@example.com"], "app": { "tailscale.com/cap/aperture": [{ "role": "admin", "models": "**" }] } },
    { "src": ["user@example.com"], "app": { "tailscale.com/cap/aperture": [{ "role": "user", "models": "**" }] } },
  ],
}
`;

const as = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
const put = (url: string, path: string, body: unknown, headers: Record<string, string>) => send(url, { method: 'PUT', path, body: JSON.stringify(body), headers });

function problem(res: RawResponse, status: number): Record<string, unknown> {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  return res.json();
}

describe('admin config API', () => {
  const r = useResources();
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-admin-config-'));
    file = join(dir, 'tollgate.jsonc');
    writeFileSync(file, CONFIG);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const gateway = () => r.gateway({ config: file, plugins: [grantsPlugin] });

  it('GET shows the HuJSON text with its comments, literal secrets as placeholders, and an ETag', async () => {
    const gw = await gateway();
    const res = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    assert.equal(res.status, 200);
    const text = res.json<{ config: string }>().config;
    assert.ok(text.includes('// The mock LLM, with a literal key (it checks none).'));
    for (const secret of [PROVIDER_KEY, ADMIN, USER]) assert.ok(!text.includes(secret), 'no secret is shown');
    assert.match(text, /"apikey": "redacted:[0-9a-f]{16}"/);
    assert.match(String(res.headers.etag), /^"[0-9a-f]{32}"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('only admins: a user gets 403, nobody gets 401', async () => {
    const gw = await gateway();
    problem(await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(USER) }), 403);
    problem(await send(gw.url, { method: 'GET', path: '/aperture/config' }), 401);
    problem(await put(gw.url, '/aperture/config', { config: CONFIG }, as(USER, { 'if-match': '"x"' })), 403);
  });

  it('PUT with If-Match saves the text as sent (comments kept, redacted secrets restored), makes it live, and answers the new ETag', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const edited = got.json<{ config: string }>().config.replace('"models": ["mock-1"]', '"models": ["mock-1", "mock-2"] /* added in the editor */');
    const saved = await put(gw.url, '/aperture/config', { config: edited }, as(ADMIN, { 'if-match': String(got.headers.etag) }));
    assert.equal(saved.status, 200, saved.text);
    assert.notEqual(saved.headers.etag, got.headers.etag);
    const onDisk = readFileSync(file, 'utf8');
    assert.ok(onDisk.includes('/* added in the editor */') && onDisk.includes('// The mock LLM'), 'the user\'s own text');
    assert.ok(onDisk.includes(PROVIDER_KEY) && onDisk.includes(ADMIN) && onDisk.includes(USER), 'the secrets are the stored ones again');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const models = await send(gw.url, { method: 'GET', path: '/v1/models', headers: as(USER) });
    assert.deepEqual(models.json<{ data: Array<{ id: string }> }>().data.map((m) => m.id), ['mock-1', 'mock-2'], 'live at once');
    const again = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    assert.equal(again.headers.etag, saved.headers.etag);
    assert.deepEqual(saved.json<{ warnings: unknown }>().warnings, [], 'a clean save has no warnings');
  });

  it('PUT answers the warnings of the configuration it made live, with their paths', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const edited = got.json<{ config: string }>().config.replace('"providers": {', '"listn": { "port": 1 },\n  "providers": {');
    const saved = await put(gw.url, '/aperture/config', { config: edited }, as(ADMIN, { 'if-match': String(got.headers.etag) }));
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.json<{ warnings: unknown }>().warnings, [{ path: 'config/listn', message: 'unknown config key "listn"; did you mean "listen"?' }]);
    assert.ok(readFileSync(file, 'utf8').includes('"listn"'), 'saved despite the warning');
    const legacy = await send(gw.url, { method: 'GET', path: '/api/config', headers: as(ADMIN) });
    const again = await put(gw.url, '/api/config', { config: legacy.json<{ config: string }>().config, hash: legacy.json<{ hash: string }>().hash }, as(ADMIN));
    assert.equal(again.json<{ warnings: unknown[] }>().warnings.length, 1);
  });

  it('412 when someone else saved since the read, 428 without If-Match; neither changes the file', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const text = got.json<{ config: string }>().config;
    const first = await put(gw.url, '/aperture/config', { config: text.replace('"mock-1"]', '"mock-1", "first"]') }, as(ADMIN, { 'if-match': String(got.headers.etag) }));
    assert.equal(first.status, 200);
    const before = readFileSync(file, 'utf8');
    const stale = problem(await put(gw.url, '/aperture/config', { config: text.replace('"mock-1"]', '"mock-1", "second"]') }, as(ADMIN, { 'if-match': String(got.headers.etag) })), 412);
    assert.equal(stale.code, 'config_changed');
    problem(await put(gw.url, '/aperture/config', { config: text }, as(ADMIN)), 428);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('422 lists every error with its path (the same list check-config prints) and changes nothing', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const broken = got.json<{ config: string }>().config.replace('"baseurl": "mock://"', '"baseurl": "not a url"').replace('"loopback": false', '"loopback": "no"');
    const res = problem(await put(gw.url, '/aperture/config', { config: broken }, as(ADMIN, { 'if-match': String(got.headers.etag) })), 422);
    const errors = res.errors as Array<{ path: string; message: string }>;
    assert.ok(errors.some((e) => e.path.includes('providers/mock/baseurl')), JSON.stringify(errors));
    assert.ok(errors.some((e) => e.path.includes('identity/loopback')), JSON.stringify(errors));
    const syntax = problem(await put(gw.url, '/aperture/config', { config: '{ "providers": ' }, as(ADMIN, { 'if-match': String(got.headers.etag) })), 422);
    assert.match((syntax.errors as Array<{ path: string }>)[0]?.path ?? '', /^config@\d+:\d+$/);
    assert.equal(readFileSync(file, 'utf8'), CONFIG);
    const validate = await send(gw.url, { path: '/aperture/config:validate', body: JSON.stringify({ config: broken }), headers: as(ADMIN) });
    const verdict = validate.json<{ valid: boolean; errors: string[] }>();
    assert.equal(verdict.valid, false);
    assert.equal(verdict.errors.length, errors.length);
    const ok = await send(gw.url, { path: '/aperture/config:validate', body: JSON.stringify({ config: got.json<{ config: string }>().config }), headers: as(ADMIN) });
    assert.deepEqual([ok.json<{ valid: boolean }>().valid, ok.json<{ errors: string[] }>().errors], [true, []]);
  });

  it('refuses a save that would leave the caller without role admin', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const demoted = got.json<{ config: string }>().config.replace('"role": "admin", "models": "**"', '"role": "user", "models": "**"');
    const res = problem(await put(gw.url, '/aperture/config', { config: demoted }, as(ADMIN, { 'if-match': String(got.headers.etag) })), 422);
    assert.equal(res.code, 'admin_lockout');
    assert.match(String(res.detail), /without role "admin"/);
    assert.equal(readFileSync(file, 'utf8'), CONFIG);
    assert.equal((await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) })).status, 200, 'still admin');
  });

  it('refuses writes from other origins and bodies that are not JSON', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/aperture/config', headers: as(ADMIN) });
    const etag = String(got.headers.etag);
    problem(await put(gw.url, '/aperture/config', { config: CONFIG }, as(ADMIN, { 'if-match': etag, origin: 'https://evil.example' })), 403);
    problem(await put(gw.url, '/aperture/config', { config: CONFIG }, as(ADMIN, { 'if-match': etag, 'sec-fetch-site': 'cross-site' })), 403);
    problem(await send(gw.url, { method: 'PUT', path: '/aperture/config', body: 'config=x', headers: as(ADMIN, { 'if-match': etag, 'content-type': 'text/plain' }) }), 415);
    assert.equal(readFileSync(file, 'utf8'), CONFIG);
  });

  it('the earlier /api/config form: {config, exists, hash}, and a PUT with the hash', async () => {
    const gw = await gateway();
    const got = await send(gw.url, { method: 'GET', path: '/api/config', headers: as(ADMIN) });
    const body = got.json<{ config: string; exists: boolean; hash: string }>();
    assert.equal(body.exists, true);
    assert.ok(!body.config.includes(PROVIDER_KEY));
    const saved = await put(gw.url, '/api/config', { config: body.config.replace('"mock-1"]', '"mock-1", "legacy"]'), hash: body.hash }, as(ADMIN));
    assert.equal(saved.status, 200, saved.text);
    assert.notEqual(saved.json<{ hash: string }>().hash, body.hash);
    problem(await put(gw.url, '/api/config', { config: body.config, hash: body.hash }, as(ADMIN)), 412);
    const doc = await send(gw.url, { method: 'GET', path: '/aperture/openapi.json', headers: as(USER) });
    assert.ok(Object.keys(doc.json<{ paths: object }>().paths).includes('/aperture/config:validate'));
  });

  it('a configuration given as an object is shown; it is saved to configFile when given, else 409', async () => {
    const config = { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } }, grants: [{ src: ['(loopback)'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }, { models: '**' }] } }] };
    const plain = await r.gateway({ config, plugins: [grantsPlugin] });
    const shown = await send(plain.url, { method: 'GET', path: '/api/config' });
    assert.deepEqual([shown.json<{ exists: boolean }>().exists, JSON.parse(shown.json<{ config: string }>().config)], [false, config]);
    problem(await put(plain.url, '/api/config', { config: shown.json<{ config: string }>().config, hash: shown.json<{ hash: string }>().hash }, {}), 409);

    const target = join(dir, 'saved.jsonc');
    const withFile = await r.gateway({ config, configFile: target, plugins: [grantsPlugin] });
    const before = await send(withFile.url, { method: 'GET', path: '/aperture/config' });
    const text = `// saved from the editor\n${before.json<{ config: string }>().config}`;
    const saved = await put(withFile.url, '/aperture/config', { config: text }, { 'if-match': String(before.headers.etag) });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(readFileSync(target, 'utf8'), text);
    await withFile.gateway.reload();
    assert.equal((await send(withFile.url, { method: 'GET', path: '/aperture/config' })).json<{ config: string }>().config, text, 'reloads read the saved file');
  });

  it('replaces the file atomically: a process killed while saving leaves the old or the new text, never a torn one', async function () {
    this.timeout(60_000);
    const target = join(dir, 'atomic.jsonc');
    const a = `{ "a": "${'x'.repeat(200_000)}" }\n`;
    const b = `{ "b": "${'y'.repeat(300_000)}" }\n`;
    writeFileSync(target, a);
    writeFileSync(join(dir, 'a.txt'), a);
    writeFileSync(join(dir, 'b.txt'), b);
    const script = `
      import { readFileSync } from 'node:fs';
      import { writeFileAtomicPrivate } from '@tollgate/core';
      const [target, a, b] = [process.argv[1], readFileSync(process.argv[2], 'utf8'), readFileSync(process.argv[3], 'utf8')];
      for (let i = 0; ; i++) await writeFileAtomicPrivate(target, i % 2 === 0 ? b : a);
    `;
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, target, join(dir, 'a.txt'), join(dir, 'b.txt')], { stdio: 'ignore', cwd: process.cwd() });
      await new Promise((ok) => setTimeout(ok, 50 + round * 37));
      child.kill('SIGKILL');
      await new Promise((ok) => child.once('exit', ok));
      const text = readFileSync(target, 'utf8');
      assert.ok(text === a || text === b, `round ${round}: a torn file of ${text.length} characters`);
    }
  });
});
