import { parseArgs } from 'node:util';
import { ConfigError, TollgateError, loadConfigFile, prepareConfig } from '@tollgate/core';
import type { Command } from './command.js';
import { CLI_DIR } from '../version.js';
import { printIssues } from './print-issues.js';

/** `tollgate check-config <file>`: validates a config and its plugins; exit 1 on errors. */
export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a config file and its plugins, printing every error and warning',
  usage: [
    'Usage: tollgate check-config <file>',
    '',
    'Parses the HuJSON file, resolves env: references, loads every plugin it names (or the',
    'defaults: grants, webhook, oso, quotas) and validates every section. Prints each error and warning',
    'with its path; exits 1 when there is any error, 0 otherwise.',
  ].join('\n'),
  async run(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const file = positionals[0];
    if (file === undefined) {
      process.stderr.write(`${this.usage}\n`);
      return 2;
    }
    try {
      const loaded = await loadConfigFile(file);
      const prepared = await prepareConfig({ raw: loaded.raw, source: file, resolvePaths: [CLI_DIR] });
      const warnings = [...loaded.warnings, ...prepared.warnings];
      printIssues(warnings);
      process.stdout.write(`${file}: ok (${prepared.plugins.length} plugin${prepared.plugins.length === 1 ? '' : 's'}: ${prepared.plugins.map((p) => p.name).join(', ') || 'none'}; ${warnings.length} warning${warnings.length === 1 ? '' : 's'})\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError) {
        printIssues(err.issues);
        const errors = err.issues.filter((i) => i.severity === 'error').length;
        process.stdout.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}\n`);
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
