import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'tollgate.js');

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `tollgate` process. */
class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Run>;
  readonly #proc: ChildProcess;
  readonly #waiters: Array<() => void> = [];

  constructor(args: string[], env: Record<string, string> = {}) {
    this.#proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc.stdout?.setEncoding('utf8').on('data', (c: string) => this.#append('stdout', c));
    this.#proc.stderr?.setEncoding('utf8').on('data', (c: string) => this.#append('stderr', c));
    this.exited = new Promise((res) => this.#proc.once('close', (code, signal) => res({ code, signal, stdout: this.stdout, stderr: this.stderr })));
    void this.exited.then(() => this.#notify());
  }

  #append(which: 'stdout' | 'stderr', chunk: string): void {
    this[which] += chunk;
    this.#notify();
  }

  #notify(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves with the match once `re` matches the output (stderr then stdout); rejects if the process exits first. */
  async waitFor(re: RegExp, stream: 'stdout' | 'stderr' = 'stderr', from = 0): Promise<RegExpMatchArray> {
    for (;;) {
      const m = this[stream].slice(from).match(re);
      if (m !== null) return m;
      if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) throw new Error(`tollgate exited before ${re}:\nstderr: ${this.stderr}\nstdout: ${this.stdout}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** The gateway URL from the start-up banner. */
  async url(): Promise<string> {
    return (await this.waitFor(/tollgate listening on (http:\/\/[^\s]+)/))[1] as string;
  }

  kill(signal: NodeJS.Signals): void {
    this.#proc.kill(signal);
  }

  stop(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }
}

/** Runs `tollgate ...args` to completion. */
function run(args: string[]): Promise<Run> {
  return new Cli(args).exited;
}

describe('tollgate CLI', () => {
  let dir: string;
  const procs: Cli[] = [];
  const start = (args: string[]) => {
    const cli = new Cli(['start', '--port', '0', '--data-dir', join(dir, 'data'), ...args]);
    procs.push(cli);
    return cli;
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const mockConfig = (models: string[]) => `{
    // the built-in mock, no plugins
    "providers": { "mock": { "baseurl": "mock://", "models": ${JSON.stringify(models)}, }, },
    "plugins": [],
  }`;
  const ask = (url: string, model: string, extra: Record<string, unknown> = {}) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'list the files in /tmp' }], ...extra }) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.stop();
      await p.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('start with no config serves the README quickstart: a request with tools gets a tool call from the mock', async () => {
    const cli = start([]);
    const url = await cli.url();
    assert.match(cli.stderr, /built-in default/);
    const bash = { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };
    const res = await ask(url, 'mock-1', { tools: [bash] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
    assert.equal(body.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(body.choices[0]?.message.tool_calls[0]?.function.name, 'bash');
    assert.deepEqual(JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? ''), { command: 'list the files in /tmp' });
    const streamed = await (await ask(url, 'mock-1', { tools: [bash], stream: true })).text();
    assert.match(streamed, /"name":"bash"/);
    assert.ok(streamed.endsWith('data: [DONE]\n\n'));
    cli.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  it('start --config serves the file; an access line per request goes to stdout as JSON', async () => {
    const cli = start(['--config', file('tollgate.jsonc', mockConfig(['m1'])), '--host', '127.0.0.1']);
    const url = await cli.url();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await ask(url, 'm1')).status, 200);
    const line = await cli.waitFor(/^.*"msg":"request completed".*$/m, 'stdout');
    const access = JSON.parse(line[0]) as Record<string, unknown>;
    assert.deepEqual([access.status, access.model, access.provider], [200, 'm1', 'mock']);
    cli.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  it('SIGHUP reloads a changed config; an invalid one is rejected and the old one keeps serving; SIGTERM exits 0', async () => {
    const config = file('tollgate.jsonc', mockConfig(['m1']));
    const cli = start(['--config', config]);
    const url = await cli.url();
    assert.equal((await ask(url, 'm2')).status, 404);

    file('tollgate.jsonc', mockConfig(['m1', 'm2']));
    let mark = cli.stdout.length;
    cli.kill('SIGHUP');
    await cli.waitFor(/"msg":"reload complete"/, 'stdout', mark);
    assert.equal((await ask(url, 'm2')).status, 200);

    file('tollgate.jsonc', '{ "providers": { "mock": { "baseurl": "ftp://mock", "models": ["m3"] } }, "plugins": [] }');
    mark = cli.stderr.length;
    const stdoutMark = cli.stdout.length;
    cli.kill('SIGHUP');
    await cli.waitFor(/error\s+providers\.mock\.baseurl/, 'stderr', mark);
    // The log line goes through pino's asynchronous stdout stream: wait for it rather than read it at once.
    await cli.waitFor(/"msg":"reload rejected; the previous configuration keeps serving"/, 'stdout', stdoutMark);
    assert.equal((await ask(url, 'm2')).status, 200);
    assert.equal((await ask(url, 'm3')).status, 404);

    cli.kill('SIGTERM');
    const exit = await cli.exited;
    assert.equal(exit.code, 0);
    assert.match(exit.stdout, /"msg":"tollgate stopped"/);
  });

  it('start --workers 2 serves from a cluster and SIGTERM stops every worker (exit 0)', async () => {
    const cli = start(['--config', file('tollgate.jsonc', mockConfig(['m1'])), '--workers', '2']);
    const url = await cli.url();
    assert.match(cli.stderr, /with 2 workers/);
    const answers = await Promise.all([1, 2, 3, 4].map(() => ask(url, 'm1').then((r) => r.status)));
    assert.deepEqual(answers, [200, 200, 200, 200]);
    cli.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  it('start with an invalid config exits 1 listing every error', async () => {
    const bad = file('bad.jsonc', '{ "providers": { "p": { "baseurl": "nope", "models": 3 } }, "plugins": ["no-such-plugin-xyz"], "listen": { "port": -1 } }');
    const exit = await start(['--config', bad]).exited;
    assert.equal(exit.code, 1);
    for (const path of ['providers.p.baseurl', 'providers.p.models', 'listen.port', 'plugins.no-such-plugin-xyz']) assert.match(exit.stderr, new RegExp(`error\\s+${path.replace(/[.]/g, '\\.')}`), path);
  });

  it('start on a port in use exits 1 with the reason', async () => {
    const taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const exit = await start(['--config', file('tollgate.jsonc', mockConfig(['m1'])), '--host', '127.0.0.1', '--port', port]).exited;
      assert.equal(exit.code, 1);
      assert.match(exit.stderr, /cannot listen: .*EADDRINUSE/);
    } finally {
      await new Promise<void>((ok) => taken.close(() => ok()));
    }
  });

  it('check-config: a good file exits 0; warnings are printed but not fatal', async () => {
    const [good, warned] = await Promise.all([
      run(['check-config', file('good.jsonc', mockConfig(['m1']))]),
      run(['check-config', file('warn.jsonc', '{ "providers": { "p": { "baseurl": "https://x.example", "models": ["m"], "basurl": "typo" } }, "quotas": {}, "plugins": [] }')]),
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /ok \(0 plugins: none; 0 warnings\)/);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /warning\s+providers\.p\.basurl: unknown config key "basurl"; did you mean "baseurl"\?/);
    assert.match(warned.stderr, /warning\s+quotas: /);
    assert.match(warned.stdout, /2 warnings/);
  });

  it('check-config: a bad file exits 1 and prints every error (and warning) with its path', async () => {
    const exit = await run(['check-config', file('bad.jsonc', '{ "providers": { "a": { "baseurl": "ftp://x", "models": ["m"] }, "b": { "models": [] } }, "logging": { "level": "loud" }, "plugins": [], "extra": 1 }')]);
    assert.equal(exit.code, 1);
    const errors = exit.stderr.split('\n').filter((l) => l.startsWith('error'));
    assert.deepEqual(errors.map((l) => l.split(/\s+/)[1]?.replace(/:$/, '')).sort(), ['logging.level', 'providers.a.baseurl', 'providers.b.baseurl']);
    assert.match(exit.stderr, /warning\s+extra: /);
    assert.match(exit.stdout, /3 errors/);
  });

  it('check-config: syntax errors, a missing file and a missing argument', async () => {
    const [syntax, missing, none] = await Promise.all([
      run(['check-config', file('syntax.jsonc', '{ "providers": { "a": { , } }')]),
      run(['check-config', join(dir, 'does-not-exist.jsonc')]),
      run(['check-config']),
    ]);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /error\s+config@1:\d+: syntax error/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read config file/);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: tollgate check-config/);
  });

  it('rejects an unknown command and a bad --port with exit code 2', async () => {
    const [unknown, port] = await Promise.all([run(['frobnicate']), run(['start', '--port', 'eighty'])]);
    assert.equal(unknown.code, 2);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /invalid --port/);
  });
});
