import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, type Gateway, TollgateError, createGateway, defaultConfig } from '@tollgate/core';
import type { Command } from './command.js';
import { CLI_DIR } from '../version.js';
import { printIssues } from './print-issues.js';

const USAGE = [
  'Usage: tollgate start [options]',
  '',
  'Options:',
  '  -c, --config <file>   HuJSON config file (default: the built-in default: a mock LLM for callers on this machine)',
  '      --host <host>     interface to listen on (default: the config\'s listen.host, 127.0.0.1)',
  '  -p, --port <port>     port (default: the config\'s listen.port, 8080; 0 = any free port)',
  '      --data-dir <dir>  data directory for hook spools (default: $TOLLGATE_DATA_DIR, the config\'s data_dir, ~/.local/state/tollgate)',
  '      --workers <n>     run n worker processes sharing the port (node:cluster); "auto" = one per core',
  '',
  'Signals: SIGHUP reloads the config (an invalid one is rejected and the old one keeps serving);',
  'SIGTERM / SIGINT drain in-flight requests and stop.',
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

/** Starts one gateway in this process; resolves with the exit code once it stops. */
async function serve(options: StartOptions, worker: boolean): Promise<number> {
  let gateway: Gateway;
  try {
    gateway = await createGateway({ config: options.config ?? defaultConfig(), dataDir: options.dataDir, resolvePaths: [CLI_DIR] });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tollgate: invalid configuration${options.config ? ` in ${options.config}` : ''}\n`);
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
    // Release what start-up opened (plugins' ready work, pools) so the process can exit.
    await gateway.close();
    process.stderr.write(`tollgate: cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (!worker) {
    const source = options.config ?? 'built-in default (mock LLM, callers on this machine)';
    process.stderr.write(`tollgate listening on http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port} (config: ${source})\n`);
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
      gateway.close().then(
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
  cluster.on('listening', (_w, address) => {
    if (++online === options.workers) process.stderr.write(`tollgate listening on http://${address.address ?? '127.0.0.1'}:${address.port} with ${options.workers} workers\n`);
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
      if (workers.length === 0) resolve(process.exitCode === 1 ? 1 : 0);
      let left = workers.length;
      for (const w of workers) {
        w?.once('exit', () => {
          if (--left === 0) resolve(0);
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
