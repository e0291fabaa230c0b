import { type PluginDefinition, STAGE_GUARDRAIL, type ToolCall, definePlugin, deny } from '@tollgate/core';

/**
 * True when a shell command runs `rm` with both the recursive and the force flag, however they
 * are spelled and wherever they stand: `rm -rf x`, `rm -fr x`, `rm -Rf x`, `rm -r -f x`,
 * `rm -rfv x`, `rm x -rf`, `rm --recursive --force x`, `cd / && sudo rm -rf *`.
 */
export function runsRmRf(command: string): boolean {
  // Each `rm` word up to the end of its simple command (;, &, |, newline, parenthesis).
  for (const match of command.matchAll(/(?:^|[\s;&|(`])rm\s([^;&|\n)`]*)/g)) {
    const words = (match[1] ?? '').split(/\s+/);
    const end = words.indexOf('--'); // after `--`, words are file names
    const flags = (end < 0 ? words : words.slice(0, end)).filter((word) => word.startsWith('-'));
    const short = flags.filter((f) => !f.startsWith('--')).join('');
    const recursive = /[rR]/.test(short) || flags.includes('--recursive');
    const force = short.includes('f') || flags.includes('--force');
    if (recursive && force) return true;
  }
  return false;
}

/** An argv array (`["rm", "-rf", "/"]`) as one command line; a string as it is. */
function commandLine(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(' ') : undefined;
}

/**
 * The shell commands a tool call runs, read from its parsed arguments (core hands taps the
 * arguments as the client parses them, escapes decoded): a `bash` function's `command`, the
 * Responses API's `local_shell` action (an argv array) and `shell` action (`commands`).
 */
export function shellCommands(call: ToolCall): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    const line = commandLine(v);
    if (line !== undefined) out.push(line);
  };
  if (call.kind === 'local_shell') add(call.params.command);
  else if (call.kind === 'shell') for (const c of Array.isArray(call.params.commands) ? call.params.commands : []) add(c);
  else if (call.name === 'bash') add(call.params.command);
  return out;
}

/**
 * An inline plugin, defined in the program rather than in a package: it denies a shell tool
 * call (a `bash` function, or the `local_shell` and `shell` built-in tools) whose command runs
 * `rm -rf`, before the call reaches the client. The client gets a 403 in its API format (or the
 * format's error event, in a stream).
 */
export const noRmRf: PluginDefinition = definePlugin({
  name: 'no-rm-rf',
  create: (_options, { logger }) => ({
    name: 'no-rm-rf',
    apply(host) {
      host.hooks.onToolCall.tap({ name: 'no-rm-rf', stage: STAGE_GUARDRAIL }, ({ call, request }) => {
        const command = shellCommands(call).find(runsRmRf);
        if (command === undefined) return undefined;
        logger.warn({ login: request.identity.login, command }, 'rm -rf denied');
        return deny('rm -rf is not allowed here', { code: 'rm_rf_denied' });
      });
    },
  }),
});
