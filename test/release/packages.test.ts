// What `npm pack` puts in every public package: what it needs (its build, README, the files its
// manifest points at) and nothing more (no tests, sources, source maps or tsbuildinfo); versions
// and inter-package ranges that an install from the tarballs can satisfy.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PLUGINS } from '@tollgate/core';
import { runProcess } from '@tollgate/testing';
import semver from 'semver';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  files?: string[];
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function workspaces(): Array<{ dir: string; manifest: Manifest }> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .flatMap((w) => (w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w]))
    .flatMap((dir) => {
      try {
        return [{ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest }];
      } catch {
        return [];
      }
    });
}

/** Files of the manifest's entry points (`main`, `types`, `bin`, `exports` targets), without `./`. */
function entryFiles(m: Manifest): string[] {
  const targets: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') targets.push(v);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) add(x);
  };
  add(m.main);
  add(m.types);
  add(m.bin);
  add(m.exports);
  return [...new Set(targets.map((t) => t.replace(/^\.\//, '')))];
}

describe('release: npm pack of every public package', function () {
  this.timeout(120_000);
  const all = workspaces();
  const published = all.filter((w) => w.manifest.private !== true);
  let packed: Map<string, string[]>;

  before(async () => {
    const pack = await runProcess(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts', ...published.flatMap((w) => ['-w', w.manifest.name])], { cwd: ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    packed = new Map((JSON.parse(pack.stdout) as Array<{ name: string; files: Array<{ path: string }> }>).map((p) => [p.name, p.files.map((f) => f.path)]));
  });

  it('packs the tollgate packages, the first-party plugins and the publishable example', () => {
    assert.deepEqual(
      [...packed.keys()].sort(),
      ['@tollgate/cli', '@tollgate/core', '@tollgate/plugin-capture', '@tollgate/plugin-dashboard', '@tollgate/plugin-grants', '@tollgate/plugin-metrics', '@tollgate/plugin-oso', '@tollgate/plugin-otel', '@tollgate/plugin-quotas', '@tollgate/plugin-tailscale', '@tollgate/plugin-webhook', '@tollgate/store', '@tollgate/testing', 'tollgate-plugin-tool-allowlist'],
    );
  });

  for (const { dir, manifest } of all.filter((w) => w.manifest.private !== true)) {
    it(`${manifest.name}: its build, README and entry points; no tests, sources, maps or tsbuildinfo`, () => {
      const files = packed.get(manifest.name) ?? [];
      assert.ok(files.includes('package.json') && files.includes('README.md'), dir);
      for (const entry of entryFiles(manifest)) assert.ok(files.includes(entry), `${manifest.name}: ${entry} is not in the tarball`);
      // The CLI's plugin template is content (a package it writes), not the CLI's own tests or sources.
      const own = files.filter((f) => !f.startsWith('templates/'));
      const unwanted = own.filter((f) => /\.tsbuildinfo$|\.map$|(^|\/)test\/|\.test\.[cm]?[jt]s$|^src\/|^tsconfig.*\.json$|\.tgz$/.test(f));
      assert.deepEqual(unwanted, [], `${manifest.name} ships files it does not need`);
      assert.ok(own.every((f) => f === 'package.json' || /^(README|CHANGELOG|LICENSE)/.test(f) || /^(dist|bin|fixtures|docs)\//.test(f)), `${manifest.name}: ${own.join(', ')}`);
    });

    it(`${manifest.name}: manifest fields a registry install needs`, () => {
      assert.ok(semver.valid(manifest.version), manifest.version);
      assert.equal(manifest.license, 'MIT');
      assert.equal(manifest.type, 'module');
      assert.ok(manifest.engines?.node !== undefined && semver.satisfies('20.19.0', manifest.engines.node));
      assert.ok(Array.isArray(manifest.files) && manifest.files.includes('!dist/.tsbuildinfo'), 'files excludes a stale dist/.tsbuildinfo');
    });
  }

  it('every dependency on a workspace package is a range its current version satisfies (never a file: or workspace: link)', () => {
    const versions = new Map(all.map((w) => [w.manifest.name, w.manifest.version]));
    for (const { manifest } of published) {
      for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          const version = versions.get(dep);
          if (version === undefined) continue;
          assert.ok(semver.validRange(range) !== null && semver.satisfies(version, range), `${manifest.name} ${field} ${dep}@${range} does not take ${version}`);
        }
      }
    }
  });

  it('the CLI depends on every plugin loaded by default, so `tollgate start` finds them after an install', () => {
    const cli = all.find((w) => w.manifest.name === '@tollgate/cli')?.manifest;
    for (const { name } of DEFAULT_PLUGINS) assert.ok(cli?.dependencies?.[`@tollgate/plugin-${name}`] !== undefined, name);
  });
});
