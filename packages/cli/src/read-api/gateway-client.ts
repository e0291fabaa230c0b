import { loadConfigFile } from '@tollgate/core';

/** Environment variable holding the API key the read-API commands present. */
export const API_KEY_ENV = 'TOLLGATE_API_KEY';

/** Where and as whom the read-API commands call the gateway. */
export interface GatewayTarget {
  /** Base URL (`http://127.0.0.1:8080`). */
  readonly url: string;
  /** Client API key (sent as a bearer token), if any; callers on the gateway's machine may need none. */
  readonly apiKey: string | undefined;
}

/** The gateway a read-API command talks to: `--url`, else the config's `listen` section, else `127.0.0.1:8080`. */
export async function gatewayTarget(options: { url?: string; config?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): Promise<GatewayTarget> {
  const apiKey = options.apiKey ?? (env[API_KEY_ENV] || undefined);
  if (options.url !== undefined) return { url: options.url.replace(/\/+$/, ''), apiKey };
  let host = '127.0.0.1';
  let port = 8080;
  if (options.config !== undefined) {
    const raw = (await loadConfigFile(options.config)).raw as { listen?: { host?: unknown; port?: unknown } };
    if (typeof raw.listen?.host === 'string' && raw.listen.host !== '') host = raw.listen.host;
    if (typeof raw.listen?.port === 'number' && raw.listen.port > 0) port = raw.listen.port;
  }
  // A gateway listening on every interface is reached on this machine's loopback.
  if (host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, apiKey };
}

/** A failed call, with a message fit for the terminal. */
export class ReadApiError extends Error {}

/** GETs `path` of the read API as JSON (or text with `accept`); throws {@link ReadApiError} with the problem's detail. */
export async function getFromGateway<T>(target: GatewayTarget, path: string, accept = 'application/json'): Promise<{ body: T; text: string; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, { headers: { accept, ...(target.apiKey === undefined ? {} : { authorization: `Bearer ${target.apiKey}` }) } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new ReadApiError(`cannot reach the gateway at ${target.url}${cause ? ` (${cause})` : ''}: is it running? (--url, or --config for its listen section)`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 300);
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not problem+json
    }
    const hint = res.status === 401 ? ` (give a client API key with --api-key or ${API_KEY_ENV})` : res.status === 404 && /no route/i.test(detail) ? ' (is the capture plugin loaded?)' : '';
    throw new ReadApiError(`${res.status} ${detail}${hint}`);
  }
  return { body: (accept.includes('json') ? JSON.parse(text) : text) as T, text, headers: res.headers };
}

/** The query string of the filters given (empty values left out). */
export function queryOf(params: Readonly<Record<string, string | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Options every read-API command takes. */
export const TARGET_OPTIONS = {
  url: { type: 'string' },
  config: { type: 'string', short: 'c' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
} as const;

/** Filter options shared by `requests` and `tool-use`. */
export const FILTER_OPTIONS = {
  user: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  tool: { type: 'string' },
  decision: { type: 'string' },
  session: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

/** Usage lines of {@link TARGET_OPTIONS} and {@link FILTER_OPTIONS}. */
export const COMMON_USAGE = [
  'Filters:',
  '      --user <login>      one caller (admins; a user sees only their own traffic anyway)',
  '      --model <id>        the model sent upstream',
  '      --provider <id>     the provider',
  '      --tool <name>       requests with a call to this tool',
  '      --decision <d>      allow | block | strip',
  '      --session <id>      one session',
  '      --status <s>        200, 4xx, or error',
  '      --since <t>         24h, 7d, 30m, or an ISO date/time (default: everything)',
  '      --until <t>         ISO date/time or relative, exclusive',
  'Gateway:',
  '      --url <url>         the gateway (default: the --config file\'s listen section, else http://127.0.0.1:8080)',
  '  -c, --config <file>     read listen.host / listen.port from this config',
  `      --api-key <key>     a client API key (default: $${API_KEY_ENV}; callers on the gateway's machine may need none)`,
  'Output:',
  '      --json              the API\'s JSON',
  '      --csv               the API\'s CSV',
];
