import { parseArgs } from 'node:util';
import { loadConfigFile, resolveDataDir } from '@tollgate/core';
import { readWebhookSpool } from '@tollgate/plugin-webhook';
import type { Command } from './command.js';
import { formatDelivery } from '../hooks/format-delivery.js';
import { formatSpoolStatus } from '../hooks/format-spool-status.js';
import { startHookReceiver } from '../hooks/hook-receiver.js';

/** Port `tollgate hooks receive` listens on by default (the quickstart's hook URL). */
export const DEFAULT_RECEIVER_PORT = 8788;

const USAGE = [
  'Usage: tollgate hooks <receive | status> [options]',
  '',
  'tollgate hooks receive [--port 8788] [--host 127.0.0.1] [--full | --json]',
  '  A local hook receiver: accepts deliveries on any path and pretty-prints each one (event,',
  '  caller, session, model, user message, tool calls, decisions); answers 200 {"action":"allow"},',
  '  so it also stands in for a pre_request guardrail. Point a hook at http://127.0.0.1:8788/hook.',
  '    -p, --port <port>   port (default 8788; 0 = any free port)',
  '        --host <host>   interface (default 127.0.0.1)',
  '        --full          also print every body as indented JSON',
  '        --json          print each body as one JSON line instead (for jq)',
  '',
  'tollgate hooks status [--data-dir <dir> | --config <file>] [--spool <dir>] [--json]',
  '  What the webhook spool holds: pending events per hook and each gateway process\'s counters.',
  '        --data-dir <dir>  data directory (default: $TOLLGATE_DATA_DIR, the config\'s data_dir, ~/.local/state/tollgate)',
  '    -c, --config <file>   read data_dir from this config',
  '        --spool <dir>     the webhook plugin\'s spool.dir (default "webhook")',
  '        --json            print the status as JSON',
].join('\n');

async function receive(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string' }, full: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const port = values.port === undefined ? DEFAULT_RECEIVER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port "${values.port}"`);
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const receiver = await startHookReceiver({
    host: values.host,
    port,
    onDelivery(delivery) {
      if (values.json === true) {
        const text = delivery.raw.toString('utf8');
        let line: string;
        try {
          line = JSON.stringify(JSON.parse(text));
        } catch {
          line = JSON.stringify({ raw: text });
        }
        process.stdout.write(`${line}\n`);
      } else process.stdout.write(`${formatDelivery(delivery, { color, full: values.full === true })}\n`);
    },
  });
  process.stderr.write(`tollgate hooks receive: listening on ${receiver.url} (POST any path, e.g. ${receiver.url}/hook); Ctrl-C to stop\n`);
  return new Promise((resolve) => {
    const stop = (): void => {
      receiver.close().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function dataDirOf(dataDir: string | undefined, config: string | undefined): Promise<string> {
  let configured: string | undefined;
  if (config !== undefined) {
    const raw = (await loadConfigFile(config)).raw as Record<string, unknown>;
    const value = raw.data_dir;
    if (typeof value === 'string') configured = value.startsWith('env:') ? process.env[value.slice(4)] : value;
  }
  return resolveDataDir(dataDir, configured, process.env);
}

async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, config: { type: 'string', short: 'c' }, spool: { type: 'string' }, json: { type: 'boolean' } },
  });
  const dir = await dataDirOf(values['data-dir'], values.config);
  const spool = await readWebhookSpool(dir, values.spool ?? 'webhook');
  if (values.json === true) process.stdout.write(`${JSON.stringify({ dataDir: dir, ...spool }, null, 2)}\n`);
  else process.stdout.write(formatSpoolStatus(spool));
  return 0;
}

/** `tollgate hooks receive|status`: a local hook receiver that prints payloads, and the webhook spool's state. */
export const hooksCommand: Command = {
  name: 'hooks',
  summary: 'run a local hook receiver that prints each payload (receive); show the webhook spool (status)',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'receive') return receive(rest);
    if (sub === 'status') return status(rest);
    process.stderr.write(`${sub === undefined ? '' : `tollgate hooks: unknown sub-command "${sub}"\n\n`}${USAGE}\n`);
    return 2;
  },
};
