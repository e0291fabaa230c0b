import { checkConfigCommand } from './commands/check-config.js';
import type { Command } from './commands/command.js';
import { createPluginCommand } from './commands/create-plugin.js';
import { hooksCommand } from './commands/hooks.js';
import { reloadCommand, stopCommand } from './commands/signal-gateway.js';
import { requestsCommand } from './commands/requests.js';
import { quotasCommand } from './commands/quotas.js';
import { startCommand } from './commands/start.js';
import { toolUseCommand } from './commands/tool-use.js';
import { CLI_VERSION } from './version.js';

/** The commands, in help order. */
export const COMMANDS: readonly Command[] = [startCommand, reloadCommand, stopCommand, checkConfigCommand, requestsCommand, toolUseCommand, quotasCommand, hooksCommand, createPluginCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `tollgate ${CLI_VERSION}: a plugin-based LLM gateway`,
    '',
    'Usage: tollgate <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tollgate <command> --help` for the options of a command.',
  ].join('\n');
}

/** Runs the CLI with the given arguments; resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${CLI_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`tollgate: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    process.stderr.write(`tollgate ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
