import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, type Gateway, TollgateError, createGateway, defaultConfig } from '@tollgate/core';
import type { Command } from './command.js';
import { CLI_DIR } from '../version.js';
import { dataDirOf } from '../run/data-dir-of.js';
import { isTollgateProcess, pidFilePath, readPidFile, removePidFile, writePidFile } from '../run/pid-file.js';
import { printIssues } from './print-issues.js';

const USAGE = [
  'Usage: tollgate start [options]',
  '',
  'Options:',
  '  -c, --config <file>   HuJSON config file (default: <data-dir>/tollgate.jsonc when it exists, which the',
  '                        dashboard\'s Settings write; else the built-in default: a mock LLM for callers on',
  '                        this machine)',
  '      --host <host>     interface to listen on (default: the config\'s listen.host, 127.0.0.1)',
  '  -p, --port <port>     port (default: the config\'s listen.port, 8080; 0 = any free port)',
  '      --data-dir <dir>  data directory: hook spools, the capture store, the pid file (default: $TOLLGATE_DATA_DIR,',
  '                        the config\'s data_dir, ~/.local/state/tollgate)',
  '      --workers <n>     run n worker processes sharing the port (node:cluster); "auto" = one per core',
  '',
  'Signals: SIGHUP reloads the config (an invalid one is rejected and the old one keeps serving);',
  'SIGTERM / SIGINT drain in-flight requests and stop. `tollgate reload` and `tollgate stop` send them',
  'to the process named in <data-dir>/tollgate.pid.',
].join('\n');

interface StartOptions {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  workers: number;
}

function parse(args: string[]): StartOptions {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'data-dir': { type: 'string' },
      workers: { type: 'string' },
    },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`invalid --port "${values.port}"`);
  const workers = values.workers === undefined ? 1 : values.workers === 'auto' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid --workers "${values.workers}"`);
  return { config: values.config, host: values.host, port, dataDir: values['data-dir'], workers };
}

/** What a worker tells the primary once it serves. */
interface WorkerReady {
  readonly tollgate: 'ready';
  readonly address: string;
  readonly port: number;
}

function isWorkerReady(message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as WorkerReady).tollgate === 'ready';
}

/** What a worker tells the primary after the admin API saved a configuration: the others reload. */
const CONFIG_SAVED = { tollgate: 'config-saved' } as const;

function isConfigSaved(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { tollgate?: unknown }).tollgate === CONFIG_SAVED.tollgate;
}

/** Name of the config file the dashboard's Settings save to when the gateway runs without `--config`. */
export const SAVED_CONFIG_FILE = 'tollgate.jsonc';

/**
 * The configuration `tollgate start` runs: `--config`, else `<data-dir>/tollgate.jsonc` when a
 * save through the admin API (the dashboard's Settings) wrote one, else the built-in default, which
 * the first save writes to that file.
 */
async function configOf(options: StartOptions): Promise<{ config: string | Record<string, unknown>; configFile?: string; label: string }> {
  if (options.config !== undefined) return { config: options.config, label: options.config };
  const file = join(await dataDirOf(options.dataDir, undefined), SAVED_CONFIG_FILE);
  if (existsSync(file)) return { config: file, label: file };
  return { config: defaultConfig(), configFile: file, label: `built-in default (mock LLM, callers on this machine; Settings save to ${file})` };
}

/** Writes the pid file of the data directory, saying so when another live gateway held it. */
async function claimPidFile(dataDir: string): Promise<void> {
  const previous = await readPidFile(dataDir);
  if (previous !== undefined && previous !== process.pid && isTollgateProcess(previous)) {
    process.stderr.write(`tollgate: another gateway (pid ${previous}) uses ${dataDir}; \`tollgate reload\` and \`tollgate stop\` now reach this one (pid ${process.pid})\n`);
  }
  try {
    await writePidFile(dataDir);
  } catch (err) {
    process.stderr.write(`tollgate: cannot write ${pidFilePath(dataDir)} (${err instanceof Error ? err.message : String(err)}); \`tollgate reload\` and \`tollgate stop\` will not find this gateway\n`);
  }
}

/** Starts one gateway in this process; resolves with the exit code once it stops. */
async function serve(options: StartOptions, worker: boolean): Promise<number> {
  let gateway: Gateway;
  let source: Awaited<ReturnType<typeof configOf>>;
  try {
    source = await configOf(options);
    // Listen before the plugins' ready work, so orchestrators see /healthz 200 and /readyz 503 meanwhile.
    gateway = await createGateway({
      config: source.config,
      ...(source.configFile === undefined ? {} : { configFile: source.configFile }),
      dataDir: options.dataDir,
      resolvePaths: [CLI_DIR],
      deferReady: true,
      ...(worker ? { onConfigSaved: () => process.send?.(CONFIG_SAVED) } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tollgate: invalid configuration${options.config === undefined ? '' : ` in ${options.config}`}\n`);
      printIssues(err.issues);
      return 1;
    }
    if (err instanceof TollgateError) {
      process.stderr.write(`tollgate: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  let address;
  try {
    address = await gateway.listen({ host: options.host, port: options.port });
  } catch (err) {
    // Release what start-up opened (pools) so the process can exit.
    await gateway.close();
    process.stderr.write(`tollgate: cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    await gateway.ready();
  } catch (err) {
    await gateway.close();
    process.stderr.write(`tollgate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (worker) process.send?.({ tollgate: 'ready', address: host, port: address.port } satisfies WorkerReady);
  else {
    await claimPidFile(gateway.dataDir);
    process.stderr.write(`tollgate listening on http://${host}:${address.port} (config: ${source.label}; pid ${process.pid})\n`);
  }
  process.on('SIGHUP', () => {
    gateway.reload().then(
      (r) => gateway.logger.info({ warnings: r.warnings.length }, 'reload complete'),
      (err: unknown) => {
        gateway.logger.error({ err, issues: err instanceof ConfigError ? err.issues : undefined }, 'reload rejected; the previous configuration keeps serving');
        if (err instanceof ConfigError) printIssues(err.issues);
      },
    );
  });
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      gateway.logger.info({ signal }, 'shutting down');
      const removed = worker ? Promise.resolve() : removePidFile(gateway.dataDir);
      Promise.all([gateway.close(), removed]).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Forks `n` workers sharing the port; restarts a worker that dies unexpectedly; forwards SIGHUP. */
async function supervise(options: StartOptions): Promise<number> {
  let stopping = false;
  const fork = (): void => {
    cluster.fork({ TOLLGATE_WORKER: '1' });
  };
  for (let i = 0; i < options.workers; i++) fork();
  let online = 0;
  // An unreadable config is the workers' to report (exit 1); then there is no pid file to write.
  const dataDir = await dataDirOf(options.dataDir, options.config).catch(() => undefined);
  cluster.on('message', (from, message: unknown) => {
    if (isConfigSaved(message)) {
      // One worker saved through the admin API and runs the new config; the others read the file.
      for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined && w !== from) w.process.kill('SIGHUP');
      return;
    }
    if (!isWorkerReady(message) || ++online !== options.workers) return;
    const claimed = dataDir === undefined ? Promise.resolve() : claimPidFile(dataDir);
    void claimed.then(() => process.stderr.write(`tollgate listening on http://${message.address}:${message.port} with ${options.workers} workers (pid ${process.pid})\n`));
  });
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    if (code === 1 && online === 0) {
      process.stderr.write('tollgate: a worker failed to start; stopping\n');
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`tollgate: worker ${worker.process.pid} exited (${code}); starting a new one\n`);
    fork();
  });
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
  return new Promise((resolve) => {
    const stop = (): void => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      const done = (code: number): void => {
        (dataDir === undefined ? Promise.resolve() : removePidFile(dataDir)).then(
          () => resolve(code),
          () => resolve(code),
        );
      };
      if (workers.length === 0) done(process.exitCode === 1 ? 1 : 0);
      let left = workers.length;
      for (const w of workers) {
        w?.once('exit', () => {
          if (--left === 0) done(0);
        });
        w?.process.kill('SIGTERM');
      }
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** `tollgate start`: runs a gateway (or a cluster of them). */
export const startCommand: Command = {
  name: 'start',
  summary: 'run the gateway (built-in default: a mock LLM, no keys needed)',
  usage: USAGE,
  async run(args) {
    const options = parse(args);
    if (cluster.isPrimary && options.workers > 1) return supervise(options);
    const code = await serve(options, !cluster.isPrimary);
    // A worker's IPC channel keeps it alive: let go of the primary so the worker can exit.
    cluster.worker?.disconnect();
    return code;
  },
};
