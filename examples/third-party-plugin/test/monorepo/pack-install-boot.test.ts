// Publishing, end to end: pack the tollgate packages and this plugin with `npm pack`, install the
// tarballs into a fresh project outside the repository (offline, from the npm cache), and boot
// that project's `tollgate start` with a config that names the plugin by its short name. The
// plugin is found by the loader in the project's node_modules, from its packed build: nothing is
// rebuilt or linked. Needs the repository (it packs the workspace), so it runs from the root's
// `npm test`, not from this package's own `npm test`.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, runProcess, startProcess } from '@tollgate/testing';
import { type PackedPackage, type ProjectManifest, writeOfflineProject } from './offline-install.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PLUGIN = 'tollgate-plugin-tool-allowlist';
/** What `@tollgate/cli` needs at run time, and the plugin. */
const WORKSPACES = ['@tollgate/core', '@tollgate/store', '@tollgate/plugin-grants', '@tollgate/plugin-webhook', '@tollgate/plugin-oso', '@tollgate/plugin-capture', '@tollgate/plugin-quotas', '@tollgate/plugin-dashboard', '@tollgate/plugin-tailscale', '@tollgate/plugin-metrics', '@tollgate/plugin-otel', '@tollgate/cli', '@tollgate/testing', PLUGIN];

const CONFIG = `{
  "providers": { "mock": { "baseurl": "mock://", "models": ["mock-1"] } },
  "plugins": [
    "grants",
    // By its short name: the loader tries @tollgate/plugin-tool-allowlist, then tollgate-plugin-tool-allowlist.
    ["tool-allowlist", { "rules": [{ "users": ["*"], "deny": ["bash", "delete_*"] }] }]
  ],
  "grants": [{ "src": ["(loopback)"], "app": { "tailscale.com/cap/aperture": [{ "role": "admin" }, { "models": "**" }] } }]
}
`;

const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } });

describe('third-party plugin: npm pack, install the tarballs, tollgate start', function () {
  this.timeout(180_000);
  let work: string;
  let project: string;
  let gateway: ProcessHandle | undefined;
  let packed: PackedPackage[];
  const timings: string[] = [];

  before(async () => {
    work = mkdtempSync(join(realpathSync(tmpdir()), 'tollgate-pack-'));
    project = join(work, 'project');
    mkdirSync(join(work, 'packs'));
    mkdirSync(project);

    let t = performance.now();
    // --ignore-scripts: `npm test` built every package already (a publish would run `prepack`).
    const pack = await runProcess(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', join(work, 'packs'), ...WORKSPACES.flatMap((w) => ['-w', w])], { cwd: ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    const manifests = JSON.parse(pack.stdout) as Array<{ name: string; filename: string; integrity: string; files: Array<{ path: string }> }>;
    const dirs = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    packed = manifests.map((m) => ({
      name: m.name,
      dir: dirs.packages[`node_modules/${m.name}`]?.resolved as string,
      tarball: join(work, 'packs', m.filename),
      integrity: m.integrity,
    }));
    const plugin = manifests.find((m) => m.name === PLUGIN);
    assert.deepEqual(plugin?.files.map((f) => f.path).filter((p) => !p.startsWith('dist/')).sort(), ['CHANGELOG.md', 'README.md', 'package.json']);
    assert.ok(plugin?.files.some((f) => f.path === 'dist/index.js') && plugin.files.some((f) => f.path === 'dist/index.d.ts'));
    timings.push(`pack ${Math.round(performance.now() - t)} ms`);

    t = performance.now();
    const { packages } = writeOfflineProject({ repoRoot: ROOT, projectDir: project, packed });
    const args = ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error'];
    let install = await runProcess(NPM, [...args, '--offline'], { cwd: project });
    if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) {
      // The npm cache lacks a tarball (it was cleaned since the repository's install): fetch what is missing.
      timings.push('offline install missed the cache; retried with --prefer-offline');
      install = await runProcess(NPM, [...args, '--prefer-offline'], { cwd: project });
    }
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    timings.push(`install ${packages} packages ${Math.round(performance.now() - t)} ms`);
  });

  after(async () => {
    await gateway?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    if (process.env.TOLLGATE_TEST_TIMINGS) process.stderr.write(`pack-install-boot: ${timings.join(', ')}\n`);
  });

  it('installs real copies, outside the repository, with the plugin as built', () => {
    const installed = join(project, 'node_modules', PLUGIN);
    assert.ok(!lstatSync(installed).isSymbolicLink(), 'a copy from the tarball, not a workspace link');
    assert.ok(!realpathSync(installed).startsWith(ROOT));
    assert.ok(existsSync(join(installed, 'dist', 'index.js')));
    assert.ok(!existsSync(join(installed, 'src')), 'only the build is published');
    assert.ok(!lstatSync(join(project, 'node_modules', '@tollgate', 'core')).isSymbolicLink());
  });

  it('the installed CLI ships the plugin template: create-plugin works from the install', async () => {
    const dir = join(work, 'scaffolded');
    const created = await runProcess(join(project, 'node_modules', '.bin', 'tollgate'), ['create-plugin', 'x-guard', '--dir', dir], { cwd: project });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /npm install/, 'outside the repository, the next steps say to install');
    for (const file of ['.gitignore', 'package.json', 'src/index.ts', 'test/plugin.test.ts', 'tollgate.example.jsonc']) assert.ok(existsSync(join(dir, file)), file);
    assert.equal((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name, 'tollgate-plugin-x-guard');
  });

  it('a plugin scaffolded outside the repository installs from the tarballs, builds and passes its own tests', async () => {
    const dir = join(work, 'outside', 'tollgate-plugin-no-curl');
    mkdirSync(dirname(dir), { recursive: true });
    const created = await runProcess(join(project, 'node_modules', '.bin', 'tollgate'), ['create-plugin', 'no-curl', '--dir', dir], { cwd: work });
    assert.equal(created.code, 0, created.stderr);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as ProjectManifest;
    assert.equal(manifest.devDependencies?.['@tollgate/core'], '^0.1.0', 'a registry range, as published');
    let t = performance.now();
    writeOfflineProject({ repoRoot: ROOT, projectDir: dir, packed, manifest });
    const args = ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error'];
    let install = await runProcess(NPM, [...args, '--offline'], { cwd: dir });
    if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) install = await runProcess(NPM, [...args, '--prefer-offline'], { cwd: dir });
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    assert.ok(!lstatSync(join(dir, 'node_modules', '@tollgate', 'testing')).isSymbolicLink());
    timings.push(`scaffold install ${Math.round(performance.now() - t)} ms`);
    t = performance.now();
    const build = await runProcess(NPM, ['run', 'build'], { cwd: dir });
    assert.equal(build.code, 0, `${build.stdout}\n${build.stderr}`);
    const test = await runProcess(NPM, ['test'], { cwd: dir, env: { TOLLGATE_DATA_DIR: join(work, 'scaffold-data') } });
    assert.equal(test.code, 0, `${test.stdout}\n${test.stderr}`);
    assert.match(test.stdout, /passing/);
    timings.push(`scaffold build+test ${Math.round(performance.now() - t)} ms`);
  });

  it('check-config finds the plugin by its short name', async () => {
    writeFileSync(join(project, 'tollgate.jsonc'), CONFIG);
    const check = await runProcess(join(project, 'node_modules', '.bin', 'tollgate'), ['check-config', 'tollgate.jsonc'], { cwd: project });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /tollgate\.jsonc: ok \(2 plugins: grants, tool-allowlist;/);
  });

  it('tollgate start loads it, and it refuses a denied tool call while others pass', async () => {
    writeFileSync(join(project, 'tollgate.jsonc'), CONFIG);
    const t = performance.now();
    gateway = startProcess(join(project, 'node_modules', '.bin', 'tollgate'), ['start', '--config', 'tollgate.jsonc', '--port', '0', '--data-dir', join(work, 'data')], { cwd: project });
    const url = (await gateway.waitFor(/tollgate listening on (http:\/\/\S+)/))[1] as string;
    timings.push(`boot ${Math.round(performance.now() - t)} ms`);
    const ask = (content: string, tools: string[]) =>
      fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content }], tools: tools.map(tool) }) });

    const denied = await ask('use bash: ls /tmp', ['read_file', 'bash']);
    assert.equal(denied.status, 403);
    const error = ((await denied.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'tool_not_allowed');
    assert.equal(error.message, 'tool "bash" is not allowed for (loopback) (rule 0 denies "bash")');

    const allowed = await ask('read_file /etc/hosts', ['read_file', 'bash']);
    assert.equal(allowed.status, 200);
    const body = (await allowed.json()) as { choices: Array<{ message: { tool_calls: Array<{ function: { name: string } }> } }> };
    assert.equal(body.choices[0]?.message.tool_calls[0]?.function.name, 'read_file');

    await gateway.waitFor(/"plugin":"tool-allowlist".*"msg":"tool call refused"/, 'stdout');
    const exit = await gateway.stop('SIGTERM');
    assert.equal(exit.code, 0, gateway.describe());
  });
});
