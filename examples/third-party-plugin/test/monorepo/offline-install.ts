// Installs packed tarballs into a fresh project without the network: a package-lock.json for the
// project is derived from the repository's own lockfile (same versions and integrity hashes), so
// `npm ci --offline` finds every third-party tarball in the npm cache that the repository's own
// `npm ci` filled. Tarballs are looked up by integrity, whatever the registry URL.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A package packed with `npm pack`. */
export interface PackedPackage {
  /** Package name. */
  readonly name: string;
  /** Its directory in the repository, relative to the root (`packages/core`). */
  readonly dir: string;
  /** The tarball's absolute path. */
  readonly tarball: string;
  /** The tarball's integrity (from `npm pack --json`). */
  readonly integrity?: string;
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [field: string]: unknown;
}

/** A project's own package.json (a scaffolded plugin): its dependencies on packed packages are pointed at the tarballs, the others resolved from the repository's lock. */
export interface ProjectManifest {
  readonly name: string;
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}

const REGISTRY = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');

/** The lock path that `dep` resolves to from lock path `from`, walking up like Node does. */
function resolveIn(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base === '' ? '' : `${base}/`}node_modules/${dep}`;
    if (packages[key] !== undefined) return key;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

function required(entry: LockEntry): string[] {
  const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => entry.peerDependenciesMeta?.[p]?.optional !== true);
  return [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers];
}

/**
 * Writes `package.json` and `package-lock.json` of a project in `projectDir` that depends on the
 * given tarballs; the lock lists the tarballs and, copied from the repository's lock, every
 * third-party package they need. Then `npm ci --offline` installs it from the cache.
 */
export function writeOfflineProject(options: { repoRoot: string; projectDir: string; packed: readonly PackedPackage[]; manifest?: ProjectManifest }): { packages: number } {
  const lock = JSON.parse(readFileSync(join(options.repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const repo = lock.packages;
  const byDir = new Map(options.packed.map((p) => [p.dir, p]));
  const byName = new Map(options.packed.map((p) => [p.name, p]));
  const out: Record<string, LockEntry> = {};
  const dependencies: Record<string, string> = {};
  const queue: Array<{ from: string; deps: string[] }> = [];

  /** Where a repository lock path goes in the project: a packed workspace's own node_modules moves under its install path. */
  const target = (key: string): string => {
    for (const [dir, p] of byDir) if (key.startsWith(`${dir}/`)) return `node_modules/${p.name}/${key.slice(dir.length + 1)}`;
    return key;
  };

  for (const p of options.packed) {
    const manifest = JSON.parse(readFileSync(join(options.repoRoot, p.dir, 'package.json'), 'utf8')) as LockEntry & { name: string; bin?: unknown; license?: string; engines?: unknown };
    const spec = `file:${relative(options.projectDir, p.tarball)}`;
    dependencies[p.name] = spec;
    out[`node_modules/${p.name}`] = {
      version: manifest.version,
      resolved: spec,
      ...(p.integrity === undefined ? {} : { integrity: p.integrity }),
      ...(manifest.license === undefined ? {} : { license: manifest.license }),
      ...(manifest.dependencies === undefined ? {} : { dependencies: manifest.dependencies }),
      ...(manifest.peerDependencies === undefined ? {} : { peerDependencies: manifest.peerDependencies }),
      ...(manifest.bin === undefined ? {} : { bin: manifest.bin }),
      ...(manifest.engines === undefined ? {} : { engines: manifest.engines }),
    };
    queue.push({ from: p.dir, deps: [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})] });
  }

  /** Copies into `out` every third-party package the queued dependencies need, transitively. */
  const drainQueue = (rootName: string): void => {
    while (queue.length > 0) {
      const { from, deps } = queue.shift() as { from: string; deps: string[] };
      for (const dep of deps) {
        if (byName.has(dep)) continue;
        const key = resolveIn(repo, from, dep);
        if (key === undefined) throw new Error(`${dep} (needed by ${from || rootName}) is not in package-lock.json; run npm install in the repository`);
        const entry = repo[key] as LockEntry;
        if (entry.link === true) throw new Error(`${dep} (needed by ${from || rootName}) is a workspace package that was not packed`);
        const to = target(key);
        if (out[to] !== undefined) continue;
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
        const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
        out[to] = { ...kept, resolved: entry.resolved ?? `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
        queue.push({ from: key, deps: required(entry) });
      }
    }
  };
  drainQueue('the project');

  if (options.manifest !== undefined) {
    // The project's own dependencies: packed ones point at their tarballs (in the manifest too, so
    // that package.json and the lock agree), the rest come from the repository's lock.
    const m = options.manifest;
    const own = { dependencies: { ...m.dependencies }, devDependencies: { ...m.devDependencies } };
    const thirdParty: string[] = [];
    for (const deps of [own.dependencies, own.devDependencies]) {
      for (const dep of Object.keys(deps)) {
        const p = byName.get(dep);
        if (p !== undefined) deps[dep] = `file:${relative(options.projectDir, p.tarball)}`;
        else thirdParty.push(dep);
      }
    }
    for (const dep of Object.keys(dependencies)) if (own.dependencies[dep] === undefined && own.devDependencies[dep] === undefined) own.devDependencies[dep] = dependencies[dep] as string;
    queue.push({ from: '', deps: thirdParty });
    drainQueue(m.name);
    const manifest = { ...m, ...own };
    writeFileSync(join(options.projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const rootEntry = { name: m.name, version: m.version, dependencies: own.dependencies, devDependencies: own.devDependencies, ...(m.peerDependencies === undefined ? {} : { peerDependencies: m.peerDependencies }) };
    writeFileSync(join(options.projectDir, 'package-lock.json'), `${JSON.stringify({ name: m.name, version: m.version, lockfileVersion: 3, requires: true, packages: { '': rootEntry, ...out } }, null, 2)}\n`);
    return { packages: Object.keys(out).length };
  }

  const name = 'tollgate-pack-install-boot';
  writeFileSync(join(options.projectDir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module', dependencies }, null, 2)}\n`);
  writeFileSync(join(options.projectDir, 'package-lock.json'), `${JSON.stringify({ name, lockfileVersion: 3, requires: true, packages: { '': { name, dependencies }, ...out } }, null, 2)}\n`);
  return { packages: Object.keys(out).length };
}
