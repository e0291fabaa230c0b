// The operability items of the CLI, each run the way a user would: the built `tollgate` binary in a
// child process, with files in a temporary directory.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, runProcess, startProcess } from '@tollgate/testing';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'tollgate.js');

describe('tollgate CLI: operability', function () {
  this.timeout(60_000);
  let dir: string;
  const procs: ProcessHandle[] = [];
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const tollgate = (args: string[], env: Record<string, string | undefined> = {}) => runProcess(process.execPath, [BIN, ...args], { cwd: dir, env });
  const start = (args: string[], env: Record<string, string | undefined> = {}): ProcessHandle => {
    const p = startProcess(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', join(dir, 'data'), ...args], { cwd: dir, env });
    procs.push(p);
    return p;
  };
  const urlOf = async (p: ProcessHandle): Promise<string> => (await p.waitFor(/tollgate listening on (http:\/\/\S+)/))[1] as string;
  const mock = (models: string[], extra = '') => `{
    "providers": { "mock": { "baseurl": "mock://", "models": ${JSON.stringify(models)} } },
    "grants": [{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [{ "role": "admin" }, { "models": "**" }] } }],
    ${extra}
  }`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-ops-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop('SIGKILL', 100);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('check-config', () => {
    it('reports core and plugin errors in one pass, at dotted paths, with "did you mean"', async () => {
      const config = file(
        'bad.jsonc',
        `{
          "providers": { "p": { "baseurl": "ftp://x", "models": ["m"], "modles": [] } },
          "listn": { "port": 1 },
          "grants": [{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [{ "role": "admin" }, { "models": "**", "send_hooks": [{ "name": "nope", "events": ["entire_request"] }] }] } }],
          "hooks": { "audit": { "url": "not a url" } },
          "plugins": ["grants", "webhook", ["metrics", { "pth": "/m" }], "webhok"]
        }`,
      );
      const exit = await tollgate(['check-config', config]);
      assert.equal(exit.code, 1, exit.stderr);
      const lines = exit.stderr.trim().split('\n');
      const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `${re}\n${exit.stderr}`);
      has(/^error\s+providers\.p\.baseurl: /); // core
      has(/^error\s+hooks\.audit\.url: hook audit has an invalid URL/); // a plugin check, despite the core error
      has(/^error\s+plugins\.metrics\.pth: unknown option `pth`; did you mean "path"\?/);
      has(/^error\s+plugins\.webhok: no plugin "webhok" installed; did you mean "webhook"\?/);
      has(/^warning\s+providers\.p\.modles: unknown config key "modles"; did you mean "models"\?/);
      has(/^warning\s+listn: unknown config key "listn"; did you mean "listen"\?/);
      has(/^warning\s+grants\[0\]\.app\["tailscale\.com\/cap\/aperture"\]\[1\]\.send_hooks\[0\]\.name: send_hooks references undefined hook "nope"/);
      assert.doesNotMatch(exit.stderr, /~1/, 'no JSON pointer escapes');
      assert.match(exit.stdout, /4 errors/);
    });

    it('--allow-missing-env reports unset env: names as notes and validates the rest', async () => {
      const config = file(
        'ci.jsonc',
        `{
          "providers": { "openai": { "baseurl": "env:OPENAI_BASE", "apikey": "env:OPENAI_API_KEY", "models": ["gpt-4.1"] } },
          "hooks": { "audit": { "url": "https://audit.example/hook", "apikey": "env:AUDIT_KEY" } }
        }`,
      );
      const env = { OPENAI_API_KEY: undefined, OPENAI_BASE: undefined, AUDIT_KEY: undefined };
      const strict = await tollgate(['check-config', config], env);
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /error\s+providers\.openai\.apikey: environment variable OPENAI_API_KEY is not set/);

      const lenient = await tollgate(['check-config', '--allow-missing-env', config], env);
      assert.equal(lenient.code, 0, lenient.stderr);
      assert.match(lenient.stderr, /note\s+providers\.openai\.baseurl: environment variable OPENAI_BASE is not set; not checked/);
      assert.match(lenient.stderr, /note\s+providers\.openai\.apikey: environment variable OPENAI_API_KEY is not set; not checked/);
      assert.match(lenient.stderr, /note\s+hooks\.audit\.apikey: environment variable AUDIT_KEY is not set; not checked/);
      assert.doesNotMatch(lenient.stderr, /^error/m);
      assert.match(lenient.stdout, /ci\.jsonc: ok \(7 plugins: grants, webhook, oso, capture, quotas, metrics, dashboard; \d+ warnings; 3 unset variables not checked\)/);

      // Everything else is still validated.
      const broken = file('ci-broken.jsonc', readFileSync(config, 'utf8').replace('"models": ["gpt-4.1"]', '"models": "gpt-4.1"'));
      const stillChecked = await tollgate(['check-config', '--allow-missing-env', broken], env);
      assert.equal(stillChecked.code, 1);
      assert.match(stillChecked.stderr, /error\s+providers\.openai\.models: /);
    });
  });

  describe('start, reload and stop through the pid file', () => {
    it('reload reaches the running gateway without a process id and the log says what changed; stop waits for it to exit', async () => {
      const config = file('tollgate.jsonc', mock(['m1']));
      const gw = start(['--config', config]);
      const url = await urlOf(gw);
      const pidFile = join(dir, 'data', 'tollgate.pid');
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(gw.pid), 'the pid file names the gateway');
      assert.equal(statSync(pidFile).mode & 0o777, 0o600);

      writeFileSync(config, mock(['m1', 'm2'], '"providers_note": 1,').replace('"providers_note": 1,', '').replace('"mock": {', '"other": { "baseurl": "mock://", "models": ["m3"], "apikey": "sk-secret-value-123" }, "mock": {'));
      const mark = gw.stdout.length;
      const reload = await tollgate(['reload', '--data-dir', join(dir, 'data')]);
      assert.equal(reload.code, 0, reload.stderr);
      assert.match(reload.stdout, new RegExp(`asked the gateway \\(pid ${gw.pid}\\) to reload`));
      const line = (await gw.waitFor(/^.*"configuration reloaded: .*$/m, 'stdout', { from: mark }))[0];
      const logged = JSON.parse(line) as { msg: string; changes: { providers: { added: string[]; changed: string[] } } };
      assert.equal(logged.msg, 'configuration reloaded: providers +other ~mock; sections providers');
      assert.deepEqual(logged.changes.providers, { added: ['other'], removed: [], changed: ['mock'] });
      assert.doesNotMatch(gw.stdout, /sk-secret-value-123/, 'never a value');
      const m2 = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm2', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(m2.status, 200);

      const stop = await tollgate(['stop', '--data-dir', join(dir, 'data')]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /stopped the gateway/);
      assert.equal((await gw.exited).code, 0);
      assert.ok(!existsSync(pidFile), 'the pid file is removed on exit');

      const again = await tollgate(['reload', '--data-dir', join(dir, 'data')]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /no running gateway found/);
    });

    it('a stale pid file is reported, never signalled', async () => {
      const data = join(dir, 'data');
      await tollgate(['hooks', 'status', '--data-dir', data]);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'tollgate.pid'), `${process.pid}\n`); // this test runner: alive, not a tollgate
      const exit = await tollgate(['stop', '--data-dir', data]);
      assert.equal(exit.code, 1);
      assert.match(exit.stderr, /is not running/);
    });
  });

  describe('the built-in default and the dashboard\'s Settings', () => {
    /** GET over a fresh connection (so that `--workers` spreads the requests over the workers). */
    const get = (url: string, path: string): Promise<{ status: number; etag?: string; body: string }> =>
      new Promise((done, fail) => {
        const req = request(new URL(path, url), { agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
        });
        req.on('error', fail).end();
      });
    const modelIds = async (url: string): Promise<string[]> => ((JSON.parse((await get(url, '/v1/models')).body) as { data: Array<{ id: string }> }).data.map((m) => m.id)).sort();

    it('without --config a save writes <data-dir>/tollgate.jsonc (0600); every worker runs it, and the next start reads it', async () => {
      const gw = start(['--workers', '2']);
      const url = await urlOf(gw);
      await gw.waitFor(/"msg":"tollgate ready"[\s\S]*"msg":"tollgate ready"/, 'stdout');
      const before = await modelIds(url);
      const read = await get(url, '/aperture/config');
      assert.equal(read.status, 200);
      const text = (JSON.parse(read.body) as { config: string }).config;
      const edited = text.replace('"models": [', '"models": [\n        "saved-model",');
      assert.notEqual(edited, text);
      const saved = await fetch(`${url}/aperture/config`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': String(read.etag) }, body: JSON.stringify({ config: edited }) });
      assert.equal(saved.status, 200, await saved.clone().text());
      const target = join(dir, 'data', 'tollgate.jsonc');
      assert.equal(readFileSync(target, 'utf8'), edited);
      assert.equal(statSync(target).mode & 0o777, 0o600);
      // Every worker serves the saved configuration (the one that saved, and the others on SIGHUP).
      const want = [...before, 'saved-model'].sort();
      const deadline = Date.now() + 10_000;
      for (let agreeing = 0; agreeing < 12; ) {
        assert.ok(Date.now() < deadline, 'every worker reloads the saved configuration');
        agreeing = JSON.stringify(await modelIds(url)) === JSON.stringify(want) ? agreeing + 1 : 0;
      }
      const again = await get(url, '/aperture/config');
      assert.equal((JSON.parse(again.body) as { config: string }).config, edited, 'a worker that did not save shows the file');
      await gw.stop('SIGTERM', 10_000);

      const next = start([]);
      const nextUrl = await urlOf(next);
      assert.match(next.stderr, new RegExp(`config: ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      assert.deepEqual(await modelIds(nextUrl), want);
    });
  });

  describe('logs', () => {
    it('--workers: every line carries the worker id; upstream 4xx/5xx and unknown paths are warnings with the path', async () => {
      const gw = start(['--config', file('tollgate.jsonc', mock(['m1'])), '--workers', '2']);
      const url = await urlOf(gw);
      const misrouted = await fetch(`${url}/v1/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(misrouted.status, 404);
      assert.match(((await misrouted.json()) as { error: { message: string } }).error.message, /did you mean POST \/v1\/messages\?/);
      const line = JSON.parse((await gw.waitFor(/^.*"path":"\/v1\/v1\/messages".*$/m, 'stdout'))[0]) as Record<string, unknown>;
      assert.equal(line.level, 40, 'warn');
      assert.equal(line.status, 404);
      assert.equal(typeof line.worker, 'number');
      await gw.waitFor(/"msg":"tollgate ready"/, 'stdout');
      const lines = gw.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(lines.every((l) => typeof l.worker === 'number'), 'every line of a worker says which');
      assert.ok(lines.every((l) => l.hostname === undefined));
    });

    it('logging.format "pretty" writes readable lines; access lines are short', async () => {
      const gw = start(['--config', file('tollgate.jsonc', mock(['m1'], '"logging": { "format": "pretty" },'))], { NO_COLOR: '1' });
      const url = await urlOf(gw);
      await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }) });
      const line = (await gw.waitFor(/^.*request completed.*$/m, 'stdout'))[0];
      assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed/);
      assert.doesNotThrow(() => assert.ok(!line.startsWith('{')));

      const json = start(['--config', file('json.jsonc', mock(['m1']))]);
      const jsonUrl = await urlOf(json);
      await fetch(`${jsonUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }) });
      const access = (await json.waitFor(/^\{.*"msg":"request completed".*$/m, 'stdout'))[0];
      assert.ok(access.length < 400, `${access.length}: ${access}`);
      const fields = JSON.parse(access) as Record<string, unknown>;
      for (const gone of ['hostname', 'name', 'method', 'format']) assert.equal(fields[gone], undefined, gone);
    });
  });
});
