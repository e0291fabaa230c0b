import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { CORE_VERSION } from '@tollgate/core';
import { CLI_DIR, CLI_VERSION } from '../version.js';
import { type PluginNames, pluginNames } from './plugin-names.js';

/** The plugin package template shipped with the CLI (`templates/plugin`). */
export const PLUGIN_TEMPLATE_DIR: string = resolve(CLI_DIR, '..', 'templates', 'plugin');

/** Files stored under another name in the template, because npm would drop or misread them in the CLI's own package. */
const RENAMES: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

/** Options of {@link scaffoldPlugin}. */
export interface ScaffoldOptions {
  /** The plugin name as typed (`no-rm-rf`, `tollgate-plugin-no-rm-rf`, `@acme/no-rm-rf`). */
  readonly name: string;
  /** Target directory (default: `./tollgate-plugin-<name>`). */
  readonly dir?: string;
  /** Write into a directory that is not empty, overwriting files of the same names. */
  readonly force?: boolean;
  /** Template directory (default {@link PLUGIN_TEMPLATE_DIR}). */
  readonly templateDir?: string;
}

/** What {@link scaffoldPlugin} wrote. */
export interface ScaffoldResult {
  /** Names used. */
  readonly names: PluginNames;
  /** Absolute target directory. */
  readonly dir: string;
  /** Files written, relative to `dir`, sorted. */
  readonly files: readonly string[];
}

/** Semver caret range of a version's release line (`0.1.3` → `^0.1.0`). */
export function caretRange(version: string): string {
  const [major = '0', minor = '0'] = version.split('.');
  return `^${major}.${minor}.0`;
}

/** The placeholder → value table applied to the template's file names and contents. */
export function templateTokens(names: PluginNames): ReadonlyArray<readonly [string, string]> {
  return [
    ['__package__', names.packageName],
    ['__name__', names.plugin],
    ['__Name__', names.pascal],
    ['__camel__', names.camel],
    ['__core_range__', caretRange(CORE_VERSION)],
    ['__cli_range__', caretRange(CLI_VERSION)],
  ];
}

function substitute(text: string, tokens: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [token, value] of tokens) out = out.split(token).join(value);
  return out;
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(relative(root, path));
  }
  return out.sort();
}

/**
 * Writes a new plugin package from the template: a `definePlugin` definition with a TypeBox
 * options schema, tests through hooks and over real HTTP with `@tollgate/testing`, a README and
 * an example config. Refuses a non-empty directory unless `force`.
 */
export async function scaffoldPlugin(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const names = pluginNames(options.name);
  const dir = resolve(options.dir ?? names.dirName);
  const templateDir = options.templateDir ?? PLUGIN_TEMPLATE_DIR;
  if (existsSync(dir)) {
    if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    if ((await readdir(dir)).length > 0 && options.force !== true) throw new Error(`${dir} is not empty (use --force to write into it anyway)`);
  }
  const tokens = templateTokens(names);
  const written: string[] = [];
  for (const file of await listFiles(templateDir)) {
    const base = file.split('/').pop() as string;
    const target = substitute(join(dirname(file), RENAMES[base] ?? base), tokens);
    const text = substitute(await readFile(join(templateDir, file), 'utf8'), tokens);
    await mkdir(dirname(join(dir, target)), { recursive: true });
    await writeFile(join(dir, target), text);
    written.push(target);
  }
  return { names, dir, files: written.sort() };
}
