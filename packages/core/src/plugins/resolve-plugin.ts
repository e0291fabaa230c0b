import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exports as resolveExports } from 'resolve.exports';
import { TollgateError, errorMessage } from '../errors.js';
import { didYouMean } from '../text/did-you-mean.js';

/** First-party plugin names (suggested for typos even when not installed). */
const FIRST_PARTY = ['grants', 'webhook', 'oso', 'tailscale', 'metrics', 'otel'];

/**
 * Short names of the plugin packages installed where `baseDirs` resolve from
 * (`@tollgate/plugin-x`, `tollgate-plugin-x`, `@scope/tollgate-plugin-x` → `x`, `@scope/x`).
 */
export function installedPluginNames(baseDirs: readonly string[]): string[] {
  const names = new Set<string>();
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const base of baseDirs) {
    let current = resolvePath(base);
    for (;;) {
      const modules = join(current, 'node_modules');
      for (const entry of list(modules)) {
        if (entry.startsWith('tollgate-plugin-')) {
          names.add(entry.slice('tollgate-plugin-'.length));
        } else if (entry === '@tollgate') {
          for (const p of list(join(modules, entry))) if (p.startsWith('plugin-')) names.add(p.slice('plugin-'.length));
        } else if (entry.startsWith('@')) {
          for (const p of list(join(modules, entry))) if (p.startsWith('tollgate-plugin-')) names.add(`${entry}/${p.slice('tollgate-plugin-'.length)}`);
        }
      }
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  return [...names];
}

/** Where and how plugin modules are looked up. */
export interface ResolvePluginOptions {
  /** Directories to resolve from, in order (the config file's directory, the cwd, the CLI's). */
  readonly baseDirs: readonly string[];
}

/** A plugin module found and imported. */
export interface ImportedPlugin {
  /** What the module exports as its plugin (default export or `plugin`). */
  readonly exported: unknown;
  /** The file it was loaded from. */
  readonly file: string;
  /** The package or path that matched. */
  readonly matched: string;
}

/** True when the spec is a file path rather than a package name. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:') || isAbsolute(spec);
}

/**
 * The package names tried for a plugin name, in order: `@tollgate/plugin-<name>`,
 * `tollgate-plugin-<name>`, then the name as given. For a scoped name `@scope/x`:
 * `@scope/tollgate-plugin-x`, then `@scope/x`.
 */
export function pluginPackageCandidates(name: string): string[] {
  if (name.startsWith('@')) {
    const [scope, rest] = name.split('/', 2);
    if (rest === undefined || rest.startsWith('tollgate-plugin-')) return [name];
    return [`${scope}/tollgate-plugin-${rest}`, name];
  }
  if (name.startsWith('tollgate-plugin-')) return [name];
  return [`@tollgate/plugin-${name}`, `tollgate-plugin-${name}`, name];
}

/** Finds `node_modules/<pkg>` from `dir` upwards. */
function findPackageDir(pkg: string, dir: string): string | undefined {
  let current = resolvePath(dir);
  for (;;) {
    const candidate = join(current, 'node_modules', pkg);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** The ESM entry file of a package directory (honours `exports`, then `module`/`main`). */
function packageEntry(pkgDir: string): string {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  let entry: string | undefined;
  if (manifest.exports !== undefined) {
    entry = resolveExports(manifest, '.', { conditions: ['node', 'import'] })?.[0];
  }
  entry ??= (manifest.module as string | undefined) ?? (manifest.main as string | undefined) ?? 'index.js';
  return join(pkgDir, entry);
}

function pickExport(mod: Record<string, unknown>): unknown {
  let exported = mod.default ?? mod.plugin;
  // CommonJS interop: `module.exports = { default: ... }`.
  if (exported !== null && typeof exported === 'object' && 'default' in exported && !('name' in exported)) {
    exported = (exported as Record<string, unknown>).default;
  }
  return exported;
}

/**
 * Finds and imports a plugin module: a local path (relative to the first base directory), or
 * a package by the candidates of {@link pluginPackageCandidates}, searched from every base
 * directory. Throws `TG_ERR_PLUGIN_NOT_FOUND` naming the packages looked for (and the closest
 * installed plugin name), or `TG_ERR_PLUGIN_INVALID`
 * when the module cannot be loaded.
 */
export async function importPlugin(spec: string, options: ResolvePluginOptions): Promise<ImportedPlugin> {
  const tried: string[] = [];
  let file: string | undefined;
  let matched = spec;
  if (isPathSpec(spec)) {
    const base = options.baseDirs[0] ?? process.cwd();
    const path = spec.startsWith('file:') ? new URL(spec).pathname : resolvePath(base, spec);
    tried.push(path);
    if (existsSync(path)) file = path;
  } else {
    outer: for (const pkg of pluginPackageCandidates(spec)) {
      for (const base of options.baseDirs) {
        const dir = findPackageDir(pkg, base);
        if (dir !== undefined) {
          file = packageEntry(dir);
          matched = pkg;
          break outer;
        }
      }
    }
  }
  if (file === undefined) {
    if (isPathSpec(spec)) throw new TollgateError('TG_ERR_PLUGIN_NOT_FOUND', `no plugin file ${tried[0] ?? spec}`);
    const hint = didYouMean(spec, new Set([...FIRST_PARTY, ...installedPluginNames(options.baseDirs)]));
    throw new TollgateError(
      'TG_ERR_PLUGIN_NOT_FOUND',
      `no plugin "${spec}" installed${hint} (looked for ${pluginPackageCandidates(spec).join(', ')} from ${options.baseDirs.join(', ')})`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(realpathSync(file)).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new TollgateError('TG_ERR_PLUGIN_INVALID', `plugin "${spec}" could not be loaded from ${file}: ${errorMessage(cause)}`, { cause });
  }
  return { exported: pickExport(mod), file, matched };
}
