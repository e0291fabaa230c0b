/**
 * A stand-in for a tollgate gateway with the capture plugin's read API (contracts section 3) and
 * core's admin config API (section 4), for developing and testing the dashboard before those
 * back ends land. node:http on 127.0.0.1:0; the dashboard's files are served through the same
 * `StaticAssets` module and security headers the plugin uses. The lead will switch the browser
 * tests to a real gateway.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DASHBOARD_MOUNT,
  DASHBOARD_SECURITY_HEADERS,
  DEFAULT_ASSETS_DIR,
  DEFAULT_OSO_DASHBOARD_URL,
  StaticAssets,
  isClientRoute,
  osoHookName,
} from '@tollgate/plugin-dashboard';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { type FakeData, type FakeRequest, defaultData } from './fixtures.js';

/** Who the fake says the caller is (`/api/whoami`). */
export interface FakeIdentity {
  login: string;
  display_name: string | null;
  role: 'admin' | 'user' | null;
  capabilities: string[];
}

/** The admin of the default data. */
export const ALICE: FakeIdentity = { login: 'alice@example.com', display_name: 'Alice Admin', role: 'admin', capabilities: [] };
/** A user of the default data. */
export const BOB: FakeIdentity = { login: 'bob@example.com', display_name: 'Bob User', role: 'user', capabilities: [] };

/** The grants' capability key. */
const AP = 'tailscale.com/cap/aperture';

/** The config a fresh fake starts with: HuJSON with comments, an admin grant, no hooks. */
export const INITIAL_CONFIG = `{
  // tollgate configuration (HuJSON: comments and trailing commas are fine)
  "providers": {
    "mock": { "baseurl": "mock://", "models": ["mock-1"] }, // the built-in mock LLM
  },
  "grants": [
    { "src": ["alice@example.com"], "app": { "${AP}": [ { "role": "admin", "models": "**" } ] } },
    { "src": ["*"], "app": { "${AP}": [ { "role": "user", "models": "**" } ] } },
  ],
}
`;

/** One request the fake received (for asserting what the browser sent). */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** The config store: HuJSON text and its ETag. */
export class FakeConfigStore {
  #text: string;
  /** Successful saves so far. */
  saves = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** The stored text. */
  get text(): string {
    return this.#text;
  }

  /** Its ETag (quoted). */
  get etag(): string {
    return `"${createHash('sha256').update(this.#text).digest('hex').slice(0, 20)}"`;
  }

  /** Someone else saves (bypassing the API). */
  replace(text: string): void {
    this.#text = text;
    this.saves++;
  }
}

/** Options of {@link startFakeApi}. */
export interface FakeApiOptions {
  /** The caller (default {@link ALICE}). */
  readonly me?: FakeIdentity;
  /** Data served (default {@link defaultData}). */
  readonly data?: FakeData;
  /** Initial config text (default {@link INITIAL_CONFIG}). */
  readonly config?: string;
  /** Directory of the built dashboard (default: the package's `dist/ui/`). */
  readonly assetsDir?: string;
}

/** A running fake. */
export interface FakeApi {
  /** Base URL (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** The config store. */
  readonly config: FakeConfigStore;
  /** Every API request received (not the asset requests). */
  readonly received: Received[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** A validation problem. */
interface Problem {
  path: string;
  message: string;
}

/** Answers problem+json (RFC 9457). */
function problem(res: ServerResponse, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, ...(detail === undefined ? {} : { detail }), ...extra }));
}

/** Answers JSON. */
function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Answers CSV of flat rows. */
function csv(res: ServerResponse, rows: readonly Record<string, unknown>[], columns: readonly string[]): void {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
  res.end(`${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`);
}

/** `since`/`until` filter values (relative `24h`/`7d` or ISO) as epoch ms. */
function timeBound(value: string | null, now: number): number | undefined {
  if (value === null || value === '') return undefined;
  const rel = /^(\d+)([hd])$/.exec(value);
  if (rel !== null) return now - Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** The summary fields of a request (`GET /api/requests` rows). */
function summary(r: FakeRequest): Record<string, unknown> {
  const count = (d: string): number => r.tool_calls.filter((c) => c.decision === d).length;
  return {
    id: r.id, time: r.time, login: r.login, display_name: r.display_name, tags: r.tags, node: r.node, session_id: r.session_id,
    format: r.format, provider: r.provider, model_requested: r.model_requested, model: r.model, status: r.status, error_code: r.error_code,
    streamed: r.streamed, duration_ms: r.duration_ms, ttfb_ms: r.ttfb_ms, usage: r.usage, cost: r.cost,
    tool_calls: { total: r.tool_calls.length, allow: count('allow'), block: count('block'), strip: count('strip') },
  };
}

/** Problems of a HuJSON config: syntax (`config@L:C`), hook URLs, send_hooks names, an admin left. */
export function validateConfig(text: string): { errors: Problem[]; warnings: Problem[] } {
  const parseErrors: ParseError[] = [];
  const config = parse(text, parseErrors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false }) as Record<string, unknown> | undefined;
  if (parseErrors.length > 0) {
    return {
      errors: parseErrors.map((e) => {
        const before = text.slice(0, e.offset);
        const line = before.split('\n').length;
        const column = e.offset - before.lastIndexOf('\n');
        return { path: `config@${line}:${column}`, message: `syntax error: ${printParseErrorCode(e.error)}` };
      }),
      warnings: [],
    };
  }
  const errors: Problem[] = [];
  const hooks = (config?.hooks ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, hook] of Object.entries(hooks)) {
    if (typeof hook?.url !== 'string' || !/^https?:\/\/\S+$/.test(hook.url)) errors.push({ path: `plugins.webhook/hooks/${name}/url`, message: `must be an http(s) URL (got ${JSON.stringify(hook?.url)})` });
  }
  const grants = Array.isArray(config?.grants) ? (config.grants as Record<string, unknown>[]) : [];
  let admins = 0;
  grants.forEach((g, gi) => {
    const caps = ((g?.app as Record<string, unknown> | undefined)?.[AP] ?? []) as Record<string, unknown>[];
    caps.forEach((cap, ci) => {
      if (cap?.role === 'admin') admins++;
      const sends = Array.isArray(cap?.send_hooks) ? (cap.send_hooks as Record<string, unknown>[]) : [];
      sends.forEach((s, si) => {
        if (typeof s?.name !== 'string' || !(s.name in hooks)) {
          errors.push({ path: `plugins.grants/grants/${gi}/app/tailscale.com~1cap~1aperture/${ci}/send_hooks/${si}/name`, message: `names no hook in "hooks" (got ${JSON.stringify(s?.name)})` });
        }
      });
    });
  });
  if (admins === 0) errors.push({ path: 'plugins.grants/grants', message: 'no grant gives anyone role "admin": nobody could change the config after this save' });
  const warnings: Problem[] = [];
  for (const key of Object.keys(config ?? {})) {
    if (!['providers', 'grants', 'hooks', 'plugins', 'identity', 'listen', 'limits', 'logging', 'data_dir', 'groups', 'database'].includes(key)) warnings.push({ path: `config/${key}`, message: 'unknown config key (ignored)' });
  }
  return { errors, warnings };
}

/** Starts the fake on 127.0.0.1:0. */
export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const me = options.me ?? ALICE;
  const data = options.data ?? defaultData();
  const store = new FakeConfigStore(options.config ?? INITIAL_CONFIG);
  const received: Received[] = [];
  const assets = await StaticAssets.load({ root: options.assetsDir ?? DEFAULT_ASSETS_DIR, mount: DASHBOARD_MOUNT, clientRoute: isClientRoute, headers: DASHBOARD_SECURITY_HEADERS });
  const admin = me.role === 'admin';

  /** Requests the caller may see, after the query's filters. */
  const visible = (q: URLSearchParams): FakeRequest[] => {
    const now = Date.now();
    const since = timeBound(q.get('since'), now);
    const until = timeBound(q.get('until'), now);
    return data.requests
      .filter((r) => admin || r.login === me.login)
      .filter((r) => !q.get('user') || r.login === q.get('user'))
      .filter((r) => !q.get('model') || r.model === q.get('model'))
      .filter((r) => !q.get('session') || r.session_id === q.get('session'))
      .filter((r) => !q.get('tool') || r.tool_calls.some((c) => c.name === q.get('tool')))
      .filter((r) => !q.get('decision') || r.tool_calls.some((c) => c.decision === q.get('decision')))
      .filter((r) => since === undefined || Date.parse(r.time) >= since)
      .filter((r) => until === undefined || Date.parse(r.time) < until)
      .sort((a, b) => b.time.localeCompare(a.time));
  };

  const sessionsOf = (requests: readonly FakeRequest[]): Record<string, unknown>[] => {
    const byId = new Map<string, FakeRequest[]>();
    for (const r of requests) if (r.session_id !== null) byId.set(r.session_id, [...(byId.get(r.session_id) ?? []), r]);
    return [...byId.entries()].map(([id, rs]) => ({
      id,
      login: rs[0]!.login,
      first_seen: rs.map((r) => r.time).sort()[0],
      last_seen: rs.map((r) => r.time).sort().reverse()[0],
      requests: rs.length,
      tool_calls: rs.reduce((t, r) => t + r.tool_calls.length, 0),
      blocked: rs.reduce((t, r) => t + r.tool_calls.filter((c) => c.decision === 'block').length, 0),
      stripped: rs.reduce((t, r) => t + r.tool_calls.filter((c) => c.decision === 'strip').length, 0),
      models: [...new Set(rs.map((r) => r.model))],
      input_tokens: rs.reduce((t, r) => t + r.usage.input_tokens, 0),
      output_tokens: rs.reduce((t, r) => t + r.usage.output_tokens, 0),
      cost_dollars: rs.some((r) => r.cost.dollars !== null) ? rs.reduce((t, r) => t + (r.cost.dollars ?? 0), 0) : null,
    }));
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, body: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const wantsCsv = (req.headers.accept ?? '').includes('text/csv');
    if (method === 'GET' && path === '/api/whoami') return json(res, me);
    if (method === 'GET' && path === '/api/dashboard') {
      const config = (parse(store.text, [], { allowTrailingComma: true }) ?? {}) as Record<string, unknown>;
      const hook = osoHookName(config);
      return json(res, { oso: { configured: hook !== null, hook, dashboard_url: DEFAULT_OSO_DASHBOARD_URL } });
    }
    if (method === 'GET' && path === '/api/requests') {
      const rows = visible(q).map(summary);
      if (wantsCsv) return csv(res, rows, ['id', 'time', 'login', 'model', 'status']);
      return json(res, { requests: rows.slice(0, Number(q.get('limit') ?? 50)), next_cursor: null });
    }
    const requestId = /^\/api\/requests\/([^/]+)$/.exec(path)?.[1];
    if (method === 'GET' && requestId !== undefined) {
      const r = data.requests.find((x) => x.id === decodeURIComponent(requestId) && (admin || x.login === me.login));
      if (r === undefined) return problem(res, 404, 'Not Found', 'no such request');
      return json(res, { request: { ...summary(r), ...r } });
    }
    if (method === 'GET' && path === '/api/sessions') {
      const sessions = sessionsOf(visible(q));
      // Two pages, to exercise the cursor.
      const start = q.get('cursor') === 'page-2' ? 1 : 0;
      const limit = Number(q.get('limit') ?? 50);
      const page = sessions.slice(start, start + Math.min(limit, start === 0 && sessions.length > 1 ? 1 : limit));
      return json(res, { sessions: page, next_cursor: start === 0 && sessions.length > 1 ? 'page-2' : null });
    }
    const sessionId = /^\/api\/sessions\/([^/]+)$/.exec(path)?.[1];
    if (method === 'GET' && sessionId !== undefined) {
      const id = decodeURIComponent(sessionId);
      const rs = visible(new URLSearchParams()).filter((r) => r.session_id === id);
      const session = sessionsOf(rs)[0];
      if (session === undefined) return problem(res, 404, 'Not Found', 'no such session');
      return json(res, { session, requests: rs.map(summary) });
    }
    if (method === 'GET' && path === '/api/tool-use') {
      const groupBy = q.get('group_by') ?? 'tool';
      const groups = new Map<string, { key: string; total: number; allow: number; block: number; strip: number }>();
      for (const r of visible(q)) {
        for (const c of r.tool_calls) {
          if (q.get('tool') && c.name !== q.get('tool')) continue;
          if (q.get('decision') && c.decision !== q.get('decision')) continue;
          const key = groupBy === 'tool' ? c.name : groupBy === 'user' ? r.login : groupBy === 'session' ? (r.session_id ?? '') : groupBy === 'day' ? r.time.slice(0, 10) : `${r.time.slice(0, 13)}:00:00Z`;
          const g = groups.get(key) ?? { key, total: 0, allow: 0, block: 0, strip: 0 };
          g.total++;
          g[c.decision]++;
          groups.set(key, g);
        }
      }
      return json(res, { group_by: groupBy, groups: [...groups.values()].sort((a, b) => (groupBy === 'day' || groupBy === 'hour' ? a.key.localeCompare(b.key) : b.total - a.total)) });
    }
    if (method === 'GET' && path === '/api/usage') {
      const groupBy = q.get('group_by') ?? 'user';
      const groups = new Map<string, Record<string, unknown> & { requests: number; input_tokens: number; output_tokens: number; cached_tokens: number; reasoning_tokens: number; cost_dollars: number | null; unpriced_requests: number }>();
      for (const r of visible(q)) {
        const key = groupBy === 'model' ? r.model : groupBy === 'day' ? r.time.slice(0, 10) : r.login;
        const g = groups.get(key) ?? { key, requests: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_dollars: null, unpriced_requests: 0 };
        g.requests++;
        g.input_tokens += r.usage.input_tokens;
        g.output_tokens += r.usage.output_tokens;
        g.cached_tokens += r.usage.cached_tokens;
        g.reasoning_tokens += r.usage.reasoning_tokens;
        if (r.cost.dollars === null) g.unpriced_requests++;
        else g.cost_dollars = (g.cost_dollars ?? 0) + r.cost.dollars;
        groups.set(key, g);
      }
      const rows = [...groups.values()];
      if (wantsCsv) return csv(res, rows, ['key', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_dollars', 'unpriced_requests']);
      return json(res, { group_by: groupBy, groups: rows });
    }
    if (method === 'GET' && path === '/api/models') return json(res, { models: data.models });
    if (method === 'GET' && path === '/api/quotas') return json(res, { buckets: [] });

    if (path === '/aperture/config' || path === '/aperture/config:validate') {
      if (!admin) return problem(res, 403, 'Forbidden', 'only admins may read or change the configuration');
      if (method !== 'GET') {
        // What core does for mutating routes: same origin only, JSON only.
        const site = req.headers['sec-fetch-site'];
        const origin = req.headers.origin;
        if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== `http://${req.headers.host}`)) return problem(res, 403, 'Forbidden', 'cross-origin request refused');
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return problem(res, 415, 'Unsupported Media Type', 'send application/json');
      }
      let text: string | undefined;
      if (method !== 'GET') {
        try {
          const parsed = JSON.parse(body) as { config?: unknown };
          if (typeof parsed.config === 'string') text = parsed.config;
        } catch {
          // handled below
        }
        if (text === undefined) return problem(res, 400, 'Bad Request', 'body must be {"config": "<HuJSON text>"}');
      }
      if (path === '/aperture/config:validate' && method === 'POST') {
        // Core's answer: errors as "<location>: <message>" texts, every problem with its path in issues.
        const { errors, warnings } = validateConfig(text!);
        const issues = [...errors.map((e) => ({ severity: 'error', ...e })), ...warnings.map((w) => ({ severity: 'warning', ...w }))];
        return json(res, { valid: errors.length === 0, errors: errors.map((e) => `${e.path}: ${e.message}`), issues });
      }
      if (path === '/aperture/config' && method === 'GET') return json(res, { config: store.text }, { etag: store.etag });
      if (path === '/aperture/config' && method === 'PUT') {
        const ifMatch = req.headers['if-match'];
        if (ifMatch === undefined) return problem(res, 428, 'Precondition Required', 'send If-Match with the ETag you read');
        if (ifMatch !== store.etag) return problem(res, 412, 'Precondition Failed', 'the configuration changed since you read it');
        const { errors, warnings } = validateConfig(text!);
        if (errors.length > 0) return problem(res, 422, 'Unprocessable Content', `the configuration has ${errors.length} error(s)`, { errors });
        store.replace(text!);
        return json(res, { config: store.text, warnings }, { etag: store.etag });
      }
      res.writeHead(405, { allow: path === '/aperture/config' ? 'GET, PUT' : 'POST' });
      return void res.end();
    }
    return problem(res, 404, 'Not Found', `no route for ${method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    if (assets.serve(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: req.headers, body });
      api(req, res, url.pathname, url.searchParams, body).catch((err: unknown) => problem(res, 500, 'Internal Server Error', String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config: store,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
