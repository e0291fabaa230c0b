#!/usr/bin/env node
// Builds the dashboard's browser app into dist/ui/: esbuild bundles ui/main.ts (Preact, htm,
// uPlot, CodeMirror and their CSS) into content-hashed files under dist/ui/assets/, then
// index.html is written with their names, and the licences of every bundled package are
// collected into dist/ui/licenses.txt. Nothing is fetched: all inputs come from node_modules.
import { copyFile, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const uiDir = join(pkgDir, 'ui');
const outDir = join(pkgDir, 'dist', 'ui');

await rm(outDir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: pkgDir,
  entryPoints: { app: join(uiDir, 'main.ts') },
  outdir: join(outDir, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => relative(outDir, join(pkgDir, p)).split('\\').join('/'));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
if (js === undefined || css === undefined) throw new Error(`esbuild produced no app bundle: ${outputs.join(', ')}`);
const index = (await readFile(join(uiDir, 'index.html'), 'utf8')).replace('%APP_JS%', js).replace('%APP_CSS%', css);
await writeFile(join(outDir, 'index.html'), index);
await copyFile(join(uiDir, 'favicon.svg'), join(outDir, 'favicon.svg'));

// Licences of the packages bundled (MIT/Apache-2.0 ask for their notices to travel with copies).
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
  if (m !== null) packages.set(m[2], join(pkgDir, m[1]));
}
const notices = [];
for (const [name, dir] of [...packages.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  const meta = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\..*)?$/i.test(f));
  const text = file === undefined ? `License: ${meta.license}` : (await readFile(join(dir, file), 'utf8')).trim();
  notices.push(`${name}@${meta.version} (${meta.license})\n\n${text}`);
}
await writeFile(join(outDir, 'licenses.txt'), `Third-party software bundled in the tollgate dashboard\n\n${notices.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`);
// Precompressed siblings (the server serves them as they are instead of compressing at start-up).
for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(js|css|html|svg|txt)$/.test(entry.name)) continue;
  const path = join(entry.parentPath, entry.name);
  const body = await readFile(path);
  if (body.length < 1024) continue;
  await writeFile(`${path}.br`, brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
}
console.log(`dashboard: built ${outputs.join(', ')} (${packages.size} bundled packages)`);
