/**
 * Configuration 5's `@portkey-ai/gateway`, installed on demand from the npm registry into
 * `bench/.portkey/` (gitignored, its own package.json) so the project's own install stays lean.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Version measured unless `BENCH_PORTKEY_VERSION` says otherwise. */
export const PORTKEY_VERSION = process.env.BENCH_PORTKEY_VERSION ?? '1.15.2';

/**
 * Installs Portkey if needed; resolves with its server entry and version, or a reason it is
 * unavailable.
 * @param {string} benchDir
 * @returns {{ entry: string, version: string } | { reason: string }}
 */
export function ensurePortkey(benchDir) {
  const dir = join(benchDir, '.portkey');
  const pkgDir = join(dir, 'node_modules', '@portkey-ai', 'gateway');
  const entry = join(pkgDir, 'build', 'start-server.js');
  const installed = () => {
    try {
      return /** @type {{ version: string }} */ (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))).version;
    } catch {
      return undefined;
    }
  };
  const manifest = `${JSON.stringify(
    { name: 'tollgate-bench-portkey', private: true, dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION } },
    null,
    2,
  )}\n`;
  const current = existsSync(join(dir, 'package.json')) ? readFileSync(join(dir, 'package.json'), 'utf8') : '';
  if (!existsSync(entry) || installed() !== PORTKEY_VERSION || current !== manifest) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), manifest);
    process.stderr.write(`bench: installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${dir} ...\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) return { reason: `npm install @portkey-ai/gateway@${PORTKEY_VERSION} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ')}` };
  }
  const version = installed();
  if (!existsSync(entry) || version === undefined) return { reason: `@portkey-ai/gateway has no ${entry}` };
  return { entry, version };
}
