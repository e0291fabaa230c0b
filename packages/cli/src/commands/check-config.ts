import { parseArgs } from 'node:util';
import { ConfigError, type ConfigIssue, TollgateError, loadConfigFile, prepareConfig } from '@tollgate/core';
import type { Command } from './command.js';
import { CLI_DIR } from '../version.js';
import { printIssues } from './print-issues.js';


const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `tollgate check-config <file>`: validates a config and its plugins; exit 1 on errors. */
export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a config file and its plugins, printing every error and warning',
  usage: [
    'Usage: tollgate check-config [--allow-missing-env] <file>',
    '',
    'Parses the HuJSON file, resolves env: references, loads every plugin it names (or the',
    'defaults: grants, webhook, oso, capture, quotas, metrics, dashboard) and validates every section and option, and runs every',
    'plugin\'s checks, all in one pass. Prints each error and warning with its dotted path; exits 1',
    'when there is any error, 0 otherwise.',
    '',
    'Options:',
    '      --allow-missing-env  report unset env: variables as notes and validate the rest (for CI',
    '                           without the secrets); the values they stand for are not checked',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { 'allow-missing-env': { type: 'boolean' } } });
    const file = positionals[0];
    if (file === undefined) {
      process.stderr.write(`${this.usage}\n`);
      return 2;
    }
    let parseWarnings: readonly ConfigIssue[] = [];
    try {
      const loaded = await loadConfigFile(file);
      parseWarnings = loaded.warnings;
      const prepared = await prepareConfig({ raw: loaded.raw, source: file, resolvePaths: [CLI_DIR], allowMissingEnv: values['allow-missing-env'] === true });
      const issues = [...loaded.warnings, ...prepared.warnings];
      printIssues(issues);
      const warnings = issues.filter((i) => i.severity === 'warning').length;
      const notes = issues.filter((i) => i.severity === 'note').length;
      const plugins = prepared.plugins.map((p) => p.name).join(', ') || 'none';
      process.stdout.write(`${file}: ok (${plural(prepared.plugins.length, 'plugin')}: ${plugins}; ${plural(warnings, 'warning')}${notes > 0 ? `; ${plural(notes, 'unset variable')} not checked` : ''})\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError) {
        printIssues([...err.issues, ...parseWarnings]);
        const errors = err.issues.filter((i) => i.severity === 'error').length;
        process.stdout.write(`${file}: ${plural(errors, 'error')}\n`);
        return 1;
      }
      if (err instanceof TollgateError) {
        process.stderr.write(`error   ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
