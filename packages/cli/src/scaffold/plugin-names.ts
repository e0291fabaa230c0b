/** The names a scaffolded plugin package uses. */
export interface PluginNames {
  /** Plugin name: config key, tap name, log binding (`no-rm-rf`). */
  readonly plugin: string;
  /** npm package name (`tollgate-plugin-no-rm-rf`, `@acme/tollgate-plugin-no-rm-rf`). */
  readonly packageName: string;
  /** PascalCase stem for class and type names (`NoRmRf`). */
  readonly pascal: string;
  /** camelCase stem for values (`noRmRf`). */
  readonly camel: string;
  /** Default directory name (`tollgate-plugin-no-rm-rf`). */
  readonly dirName: string;
  /** What a config's `plugins` list names once the package is installed (`no-rm-rf`, `@acme/no-rm-rf`). */
  readonly spec: string;
}

const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;
const PREFIX = 'tollgate-plugin-';

/**
 * Derives the names of a plugin package from what the user typed: `no-rm-rf`,
 * `tollgate-plugin-no-rm-rf`, `@acme/no-rm-rf` or `@acme/tollgate-plugin-no-rm-rf`. Throws
 * with a reason when the name cannot be a plugin name (lower-case words joined by `-`).
 */
export function pluginNames(input: string): PluginNames {
  let scope: string | undefined;
  let rest = input.trim();
  if (rest.startsWith('@')) {
    const slash = rest.indexOf('/');
    if (slash < 0) throw new Error(`"${input}": a scoped name needs a "/" (@scope/name)`);
    scope = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (!SCOPE.test(scope)) throw new Error(`"${input}": invalid npm scope "${scope}"`);
  }
  const plugin = rest.startsWith(PREFIX) ? rest.slice(PREFIX.length) : rest;
  if (!NAME.test(plugin)) {
    throw new Error(`"${input}": a plugin name is lower-case letters and digits in words joined by "-", starting with a letter (e.g. no-rm-rf)`);
  }
  const pascal = plugin
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const dirName = `${PREFIX}${plugin}`;
  return { plugin, camel: pascal.charAt(0).toLowerCase() + pascal.slice(1), packageName: scope === undefined ? dirName : `${scope}/${dirName}`, pascal, dirName, spec: scope === undefined ? plugin : `${scope}/${plugin}` };
}
