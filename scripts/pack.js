#!/usr/bin/env node
// `npm run pack`: packs every public workspace package with `npm pack` into .tmp/packs/ (or the
// directory given as the first argument), so that the packages can be installed before they are
// published: `npm install /path/to/tollgate/.tmp/packs/*.tgz`. Run `npm run build` first (the
// `pack` script does).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, '.tmp', 'packs'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Public workspace packages (those without "private": true), by name. */
function publicWorkspaces() {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = rootManifest.workspaces.flatMap((w) => (w.endsWith('/*') ? readdirSync(join(root, w.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(w.slice(0, -2), d.name)) : [w]));
  return dirs
    .map((dir) => {
      try {
        return { dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) };
      } catch {
        return undefined;
      }
    })
    .filter((p) => p !== undefined && p.manifest.private !== true)
    .map((p) => ({ dir: p.dir, name: p.manifest.name, version: p.manifest.version }));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packages = publicWorkspaces();
// --ignore-scripts: the packages are built already (`npm run build`).
execFileSync(npm, ['pack', '--ignore-scripts', '--loglevel', 'warn', '--pack-destination', out, ...packages.flatMap((p) => ['-w', p.name])], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${readdirSync(out).filter((f) => f.endsWith('.tgz')).length} packages packed into ${out}; install them with: npm install ${join(out, '*.tgz')}\n`);
