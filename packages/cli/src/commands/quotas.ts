import { parseArgs } from 'node:util';
import type { Command } from './command.js';

/** Gateway the command talks to when neither `--url` nor `TOLLGATE_URL` says otherwise. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

const USAGE = [
  'Usage: tollgate quotas [list | refill <bucket> <amount> | set <bucket> <balance>] [options]',
  '',
  'Dollar quotas of a running gateway, through its API (GET /api/quotas, POST /api/quotas/refill,',
  'POST /api/quotas/set). Quote amounts in the shell: \'$5.00\' (or write 5.00).',
  '',
  '  tollgate quotas [list]                    your buckets (an admin sees every bucket)',
  '  tollgate quotas refill <bucket> <amount>  add to a bucket, capped at its capacity (admin)',
  '  tollgate quotas set <bucket> <balance>    set a bucket\'s balance, may be negative (admin)',
  '',
  'Options:',
  `  -u, --url <url>       the gateway (default: $TOLLGATE_URL, else ${DEFAULT_GATEWAY_URL})`,
  '  -k, --api-key <key>   an API key the gateway maps to you (default: $TOLLGATE_API_KEY); without',
  '                        one, a gateway on this machine sees you as (loopback)',
  '      --json            print the API\'s JSON answer',
].join('\n');

/** One bucket as `GET /api/quotas` answers it. */
interface Bucket {
  readonly name: string;
  readonly current: number;
  readonly capacity: number;
  readonly rate: string;
  readonly updated: string | null;
  readonly current_dollars: string;
  readonly capacity_dollars: string;
}

/** A request the gateway refused, with its problem+json detail. */
class ApiRefusal extends Error {}

/** `5`, `5.00`, `-1.5` → `$5`, `$5.00`, `-$1.5`; amounts with a `$` stay as they are. */
function dollars(text: string): string {
  const m = /^(-?)(\d.*)$/.exec(text.trim());
  return m === null ? text : `${m[1]}$${m[2]}`;
}

async function api(base: string, key: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== undefined && key !== '') headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, base), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (err) {
    throw new ApiRefusal(`cannot reach the gateway at ${base} (${err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err)}); is it running? (--url)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const problem = parsed as { detail?: unknown; title?: unknown } | undefined;
    const detail = typeof problem?.detail === 'string' ? problem.detail : typeof problem?.title === 'string' ? problem.title : text.slice(0, 200);
    const hint = res.status === 404 && path === '/api/quotas' ? ' (is the quotas plugin loaded?)' : res.status === 401 ? ' (--api-key)' : '';
    throw new ApiRefusal(`${method} ${path}: ${res.status} ${detail}${hint}`);
  }
  return parsed;
}

/** The buckets as an aligned table. */
export function formatBuckets(buckets: readonly Bucket[]): string {
  if (buckets.length === 0) return 'no quota buckets\n';
  const rows = [['BUCKET', 'CURRENT', 'CAPACITY', 'RATE', 'UPDATED'], ...buckets.map((b) => [b.name, b.current_dollars, b.capacity_dollars, b.rate, b.updated ?? 'never (full)'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')}\n`;
}

/** A negative amount (`-1.50`, `-$1.50`) is a positional, not an option. */
const NEGATIVE_AMOUNT = /^-\$?\d/;
const HIDDEN = '\u0000';

/** `tollgate quotas`: lists, refills and sets quota buckets of a running gateway. */
export const quotasCommand: Command = {
  name: 'quotas',
  summary: 'show the dollar quota buckets of a running gateway; refill or set one (admin)',
  usage: USAGE,
  async run(args) {
    const parsed = parseArgs({
      args: args.map((a) => (NEGATIVE_AMOUNT.test(a) ? `${HIDDEN}${a}` : a)),
      allowPositionals: true,
      options: { url: { type: 'string', short: 'u' }, 'api-key': { type: 'string', short: 'k' }, json: { type: 'boolean' } },
    });
    const values = parsed.values;
    const positionals = parsed.positionals.map((p) => (p.startsWith(HIDDEN) ? p.slice(1) : p));
    const base = values.url ?? process.env.TOLLGATE_URL ?? DEFAULT_GATEWAY_URL;
    const key = values['api-key'] ?? process.env.TOLLGATE_API_KEY;
    const [action = 'list', bucket, amount, ...extra] = positionals;
    const usage = (): number => {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    };
    try {
      if (action === 'list') {
        if (bucket !== undefined) return usage();
        const answer = (await api(base, key, 'GET', '/api/quotas')) as { buckets: Bucket[] };
        process.stdout.write(values.json === true ? `${JSON.stringify(answer, null, 2)}\n` : formatBuckets(answer.buckets));
        return 0;
      }
      if (action !== 'refill' && action !== 'set') return usage();
      if (bucket === undefined || amount === undefined || extra.length > 0) return usage();
      const body = action === 'refill' ? { bucket, amount: dollars(amount) } : { bucket, balance: dollars(amount) };
      const answer = (await api(base, key, 'POST', `/api/quotas/${action}`, body)) as { bucket: Bucket };
      process.stdout.write(values.json === true ? `${JSON.stringify(answer, null, 2)}\n` : formatBuckets([answer.bucket]));
      return 0;
    } catch (err) {
      if (!(err instanceof ApiRefusal)) throw err;
      process.stderr.write(`tollgate quotas: ${err.message}\n`);
      return 1;
    }
  },
};
