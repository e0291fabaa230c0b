import { type PluginDefinition, STAGE_GUARDRAIL, definePlugin, deny } from '@tollgate/core';

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

/**
 * An inline plugin, defined in the program rather than in a package: it denies a `bash` tool
 * call whose `command` runs `rm -rf`, before the call reaches the client. The client gets a 403
 * in its API format (or the format's error event, in a stream).
 */
export const noRmRf: PluginDefinition = definePlugin({
  name: 'no-rm-rf',
  create: (_options, { logger }) => ({
    name: 'no-rm-rf',
    apply(host) {
      host.hooks.onToolCall.tap({ name: 'no-rm-rf', stage: STAGE_GUARDRAIL }, ({ call, request }) => {
        if (call.name !== 'bash' || !runsRmRf(String(call.params.command ?? ''))) return undefined;
        logger.warn({ login: request.identity.login, command: call.params.command }, 'rm -rf denied');
        return deny('rm -rf is not allowed here', { code: 'rm_rf_denied' });
      });
    },
  }),
});
