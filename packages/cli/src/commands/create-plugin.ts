import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { scaffoldPlugin } from '../scaffold/scaffold-plugin.js';

const USAGE = [
  'Usage: tollgate create-plugin <name> [--dir <path>] [--force]',
  '',
  'Scaffolds a publishable plugin package tollgate-plugin-<name> (or @scope/tollgate-plugin-<name>',
  'for "@scope/<name>"): a definePlugin definition with a TypeBox options schema, a working sample',
  '(it blocks tool calls whose arguments contain a configured text), tests with @tollgate/testing,',
  'a README and an example config. It passes its own tests out of the box.',
  '',
  'Options:',
  '      --dir <path>   where to write it (default: ./tollgate-plugin-<name>)',
  '      --force        write into a directory that is not empty',
].join('\n');

/** True when the packages the new plugin's tests need already resolve from its directory (e.g. inside a tollgate clone). */
function dependenciesResolve(dir: string): boolean {
  const require = createRequire(join(dir, 'package.json'));
  try {
    for (const pkg of ['@tollgate/core', '@tollgate/testing', '@tollgate/cli', 'mocha', 'tsx', 'typescript']) require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** `tollgate create-plugin <name>`: scaffolds a plugin package that passes its own tests. */
export const createPluginCommand: Command = {
  name: 'create-plugin',
  summary: 'scaffold a publishable tollgate-plugin-<name> package that passes its own tests',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' }, force: { type: 'boolean' } } });
    const name = positionals[0];
    if (name === undefined || positionals.length > 1) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const result = await scaffoldPlugin({ name, dir: values.dir, force: values.force });
    const shown = relative(process.cwd(), result.dir) || '.';
    const install = dependenciesResolve(result.dir) ? [] : ['  npm install                # @tollgate/core, @tollgate/testing, mocha, tsx, typescript'];
    process.stdout.write(
      [
        `Created ${result.names.packageName} (plugin "${result.names.plugin}") in ${shown}: ${result.files.length} files.`,
        '',
        'Next:',
        `  cd ${shown}`,
        ...install,
        '  npm test                   # its tests: through hooks, and over real HTTP',
        '  npm start                  # builds, then runs a gateway with tollgate.example.jsonc',
        '',
        `Then load it by name once installed ("plugins": ["grants", ["${result.names.spec}", { ... }]]), see its README.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
