import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, runProcess, startProcess } from '@tollgate/testing';
import { pluginNames } from '../src/scaffold/plugin-names.js';
import { caretRange } from '../src/scaffold/scaffold-plugin.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'tollgate.js');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const BASH = { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };
const ask = (url: string, content: string) =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content }], tools: [BASH] }) });

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [path.slice(base.length + 1)];
  });
}

describe('pluginNames', () => {
  it('derives package, plugin, class and config names from what the user typed', () => {
    assert.deepEqual(pluginNames('no-rm-rf'), { plugin: 'no-rm-rf', camel: 'noRmRf', packageName: 'tollgate-plugin-no-rm-rf', pascal: 'NoRmRf', dirName: 'tollgate-plugin-no-rm-rf', spec: 'no-rm-rf' });
    assert.equal(pluginNames('tollgate-plugin-audit2').plugin, 'audit2');
    const scoped = pluginNames('@acme/tollgate-plugin-pii-guard');
    assert.deepEqual([scoped.packageName, scoped.plugin, scoped.pascal, scoped.spec, scoped.dirName], ['@acme/tollgate-plugin-pii-guard', 'pii-guard', 'PiiGuard', '@acme/pii-guard', 'tollgate-plugin-pii-guard']);
  });

  it('rejects names that cannot be plugin names', () => {
    for (const bad of ['', 'No-Caps', '9lives', 'trailing-', 'two--dashes', 'under_score', '@acme', '@/x', 'tollgate-plugin-', 'a/b']) {
      assert.throws(() => pluginNames(bad), /plugin name|scope|"\/"/, bad);
    }
  });

  it('uses the release line of a version as the caret range', () => {
    assert.equal(caretRange('0.1.7'), '^0.1.0');
    assert.equal(caretRange('2.3.4'), '^2.3.0');
  });
});

describe('tollgate create-plugin', () => {
  // Inside the repository (under the git-ignored .tmp/), so that @tollgate/*, mocha, tsx and
  // typescript resolve from the workspace without an install, as they do for a reader who runs
  // `npx tollgate create-plugin` in a fresh clone.
  let work: string;
  const procs: ProcessHandle[] = [];
  beforeEach(() => {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    work = mkdtempSync(join(ROOT, '.tmp', 'create-plugin-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('follows the root README: scaffold, npm test, npm start, and the plugin denies the README\'s tool call', async function () {
    this.timeout(120_000);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const path = readme.slice(readme.indexOf('## From a fresh clone to a tool call governed by your own plugin'));
    for (const step of ['npx tollgate create-plugin no-rm-rf ', 'cd tollgate-plugin-no-rm-rf\n', 'npm test ', 'npm start ']) assert.ok(path.includes(step), `README step ${step}`);
    const readmeBody = JSON.parse(/-d '([\s\S]*?)'/.exec(path)?.[1] ?? '') as { messages: Array<{ content: string }> };
    assert.equal(readmeBody.messages[0]?.content, 'run rm -rf /tmp/x');
    const readmeAnswer = /`403` with `(tool call "bash" denied by no-rm-rf: [^`]*)`/.exec(path)?.[1];
    assert.ok(readmeAnswer !== undefined, 'README shows the denial');

    const created = await runProcess(process.execPath, [BIN, 'create-plugin', 'no-rm-rf'], { cwd: work });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created tollgate-plugin-no-rm-rf \(plugin "no-rm-rf"\) in tollgate-plugin-no-rm-rf/);
    assert.doesNotMatch(created.stdout, /npm install/, 'dependencies resolve from the workspace');
    const dir = join(work, 'tollgate-plugin-no-rm-rf');

    const files = filesUnder(dir).sort();
    assert.deepEqual(files, ['.gitignore', '.mocharc.json', 'README.md', 'package.json', 'src/index.ts', 'src/plugin.ts', 'src/schema.ts', 'src/types.ts', 'test/gateway.test.ts', 'test/plugin.test.ts', 'tollgate.example.jsonc', 'tsconfig.build.json', 'tsconfig.json']);
    for (const file of files) assert.doesNotMatch(readFileSync(join(dir, file), 'utf8'), /__[a-zA-Z_]+__/, `${file} still has a placeholder`);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
    assert.equal(manifest.name, 'tollgate-plugin-no-rm-rf');
    assert.ok(manifest.keywords.includes('tollgate-plugin'));
    assert.equal(manifest.peerDependencies['@tollgate/core'], '^0.1.0');
    assert.deepEqual(manifest.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
    assert.match(readFileSync(join(dir, 'src', 'plugin.ts'), 'utf8'), /export const noRmRfPlugin: PluginDefinition<NoRmRfOptions>/);

    const [test, typecheck] = await Promise.all([runProcess(NPM, ['test'], { cwd: dir }), runProcess(NPM, ['run', 'typecheck'], { cwd: dir })]);
    assert.equal(test.code, 0, `${test.stdout}\n${test.stderr}`);
    assert.ok(Number(/(\d+) passing/.exec(test.stdout)?.[1]) >= 5, test.stdout);
    assert.doesNotMatch(test.stdout, /failing|pending/);
    assert.equal(typecheck.code, 0, `${typecheck.stdout}\n${typecheck.stderr}`);

    // `npm start` as the README says (builds, then `tollgate start --config tollgate.example.jsonc`), on a free port.
    const gateway = startProcess(NPM, ['start', '--', '--port', '0', '--data-dir', join(work, 'data')], { cwd: dir });
    procs.push(gateway);
    const url = (await gateway.waitFor(/tollgate listening on (http:\/\/\S+)/, 'stderr', { timeoutMs: 60_000 }))[1] as string;
    const denied = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(readmeBody) });
    assert.equal(denied.status, 403);
    assert.deepEqual(((await denied.json()) as { error: { code: string; message: string } }).error, {
      code: 'tool_call_denied',
      message: readmeAnswer,
      type: 'permission_error',
      param: null,
    });
    assert.equal((await ask(url, 'list the files in /tmp')).status, 200);
    await gateway.waitFor(/"plugin":"no-rm-rf".*"msg":"tool call denied"/, 'stdout');
  });

  it('writes a scoped package into --dir', async () => {
    const dir = join(work, 'nested', 'guard');
    const created = await runProcess(process.execPath, [BIN, 'create-plugin', '@acme/pii-guard', '--dir', dir]);
    assert.equal(created.code, 0, created.stderr);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    assert.equal(manifest.name, '@acme/tollgate-plugin-pii-guard');
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /\["pii-guard", \{ "deny"/);
    assert.match(readFileSync(join(dir, 'src', 'plugin.ts'), 'utf8'), /export class PiiGuardPlugin/);
    assert.match(created.stdout, /\["@acme\/pii-guard", \{ \.\.\. \}\]/);
  });

  it('refuses a directory that is not empty (unless --force), a bad name and a missing name', async () => {
    const dir = join(work, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const [taken, bad, none] = await Promise.all([
      runProcess(process.execPath, [BIN, 'create-plugin', 'x-guard', '--dir', dir]),
      runProcess(process.execPath, [BIN, 'create-plugin', 'Bad_Name', '--dir', join(work, 'bad')]),
      runProcess(process.execPath, [BIN, 'create-plugin']),
    ]);
    assert.deepEqual([taken.code, bad.code, none.code], [2, 2, 2]);
    assert.match(taken.stderr, /is not empty \(use --force/);
    assert.match(bad.stderr, /a plugin name is lower-case/);
    assert.match(none.stderr, /Usage: tollgate create-plugin <name>/);
    assert.deepEqual(readdirSync(dir), ['keep.txt']);

    const forced = await runProcess(process.execPath, [BIN, 'create-plugin', 'x-guard', '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'mine');
    assert.ok(readdirSync(dir).includes('package.json'));
  });
});
