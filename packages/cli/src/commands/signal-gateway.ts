import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { dataDirOf } from '../run/data-dir-of.js';
import { isTollgateProcess, pidFilePath, readPidFile } from '../run/pid-file.js';

const TARGET_OPTIONS = [
  '      --data-dir <dir>  the gateway\'s data directory (default: $TOLLGATE_DATA_DIR, the config\'s data_dir, ~/.local/state/tollgate)',
  '  -c, --config <file>   read data_dir from this config',
];

/** The running gateway of a data directory, or an exit code after saying why there is none. */
async function runningGateway(command: string, dataDir: string): Promise<number | { pid: number }> {
  const pid = await readPidFile(dataDir);
  if (pid === undefined) {
    process.stderr.write(`tollgate ${command}: no running gateway found (no ${pidFilePath(dataDir)}); start one with \`tollgate start\`, or pass the --data-dir it uses\n`);
    return 1;
  }
  if (!isTollgateProcess(pid)) {
    process.stderr.write(`tollgate ${command}: the gateway of ${pidFilePath(dataDir)} (pid ${pid}) is not running\n`);
    return 1;
  }
  return { pid };
}

/** `tollgate reload`: SIGHUP to the gateway of a data directory. */
export const reloadCommand: Command = {
  name: 'reload',
  summary: 'reload the running gateway\'s config (SIGHUP to the pid in the data directory)',
  usage: [
    'Usage: tollgate reload [--data-dir <dir> | --config <file>]',
    '',
    'Sends SIGHUP to the gateway named in <data-dir>/tollgate.pid. The gateway validates the config',
    'file again and swaps it in atomically; its log says "configuration reloaded: <what changed>", or',
    '"reload rejected" with every problem (the previous configuration keeps serving).',
    '',
    'Options:',
    ...TARGET_OPTIONS,
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, config: { type: 'string', short: 'c' } } });
    const target = await runningGateway('reload', await dataDirOf(values['data-dir'], values.config));
    if (typeof target === 'number') return target;
    process.kill(target.pid, 'SIGHUP');
    process.stdout.write(`asked the gateway (pid ${target.pid}) to reload; its log says what changed, or why the new config was rejected\n`);
    return 0;
  },
};

/** `tollgate stop`: SIGTERM to the gateway of a data directory, waiting until it has exited. */
export const stopCommand: Command = {
  name: 'stop',
  summary: 'stop the running gateway (SIGTERM to the pid in the data directory) and wait for it',
  usage: [
    'Usage: tollgate stop [--data-dir <dir> | --config <file>] [--timeout <seconds>]',
    '',
    'Sends SIGTERM to the gateway named in <data-dir>/tollgate.pid and waits until it has drained its',
    'requests in flight and exited. Exit code 1 when it is still running after the timeout.',
    '',
    'Options:',
    ...TARGET_OPTIONS,
    '      --timeout <s>     how long to wait for it to exit (default 60)',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, config: { type: 'string', short: 'c' }, timeout: { type: 'string' } } });
    const timeoutS = values.timeout === undefined ? 60 : Number(values.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error(`invalid --timeout "${values.timeout}"`);
    const target = await runningGateway('stop', await dataDirOf(values['data-dir'], values.config));
    if (typeof target === 'number') return target;
    process.kill(target.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutS * 1000;
    while (isTollgateProcess(target.pid)) {
      if (Date.now() > deadline) {
        process.stderr.write(`tollgate stop: the gateway (pid ${target.pid}) is still running after ${timeoutS} s\n`);
        return 1;
      }
      await sleep(100);
    }
    process.stdout.write(`stopped the gateway (pid ${target.pid})\n`);
    return 0;
  },
};
