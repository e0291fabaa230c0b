import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConditionWaiters } from './condition-waiters.js';
import { readRequestBody, startRestartableServer } from './restartable-server.js';

/** The fake Oso's endpoints. */
export type FakeOsoEndpoint = 'model-request' | 'authorize' | 'list' | 'actions' | 'other';

/** Paths of the fake Oso's endpoints (as Oso serves them). */
export const FAKE_OSO_PATHS: Readonly<Record<Exclude<FakeOsoEndpoint, 'other'>, string>> = Object.freeze({
  'model-request': '/api/agents/v1/model-request',
  authorize: '/api/authorize',
  list: '/api/list',
  actions: '/api/actions',
});

/** A value in an Oso request (`{type, id}`). */
export interface FakeOsoValue {
  /** Type. */
  readonly type: string;
  /** Id; `*` in a rule matches any id. */
  readonly id: string;
}

/**
 * One allow row of the fake's policy: `actor` may perform `action` on `resource`. `*` as an id or
 * action matches anything (a `*` resource id is not listed by `/api/list`, which, like Oso, only
 * returns ids it knows).
 */
export interface FakeOsoRule {
  /** Actor type (`User`). */
  readonly actor_type: string;
  /** Actor id, or `*`. */
  readonly actor_id: string;
  /** Action, or `*`. */
  readonly action: string;
  /** Resource type (`Tool`). */
  readonly resource_type: string;
  /** Resource id, or `*`. */
  readonly resource_id: string;
  /** Only when the request's context facts include this fact (arg ids may be `*`). */
  readonly when?: { readonly predicate: string; readonly args: readonly FakeOsoValue[] };
}

/** One request the fake Oso received. */
export interface FakeOsoCall {
  /** Arrival order, from 0. */
  readonly index: number;
  /** Which endpoint. */
  readonly endpoint: FakeOsoEndpoint;
  /** HTTP method. */
  readonly method: string;
  /** Path (with query). */
  readonly path: string;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** Raw body. */
  readonly raw: Buffer;
  /** Body parsed as JSON (`undefined` when it is not JSON). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** HTTP status answered (0 while unanswered or when the connection was dropped). */
  status: number;
}

/** Options of {@link startFakeOso}. */
export interface FakeOsoOptions {
  /** The API key callers must present as `Authorization: Bearer <key>` (default `oso-test-key`); others get 401. */
  readonly apiKey?: string;
  /** Initial allow rows. */
  readonly policy?: readonly FakeOsoRule[];
  /** Most context facts accepted per request (Oso's free plan: 20); more gets 400. */
  readonly maxContextFacts?: number;
}

/** A fake Oso on 127.0.0.1 (see {@link startFakeOso}). */
export interface FakeOso {
  /** Base URL `http://127.0.0.1:port` (what the SDK / `enforce.url` takes). */
  readonly url: string;
  /** The telemetry endpoint (`url` + `/api/agents/v1/model-request`): the seed's `hooks.oso.url`. */
  readonly modelRequestUrl: string;
  /** The port (kept across {@link down} / {@link up}). */
  readonly port: number;
  /** The key it expects. */
  readonly apiKey: string;
  /** Every request received, in arrival order. */
  readonly calls: readonly FakeOsoCall[];
  /** Requests to one endpoint. */
  callsTo(endpoint: FakeOsoEndpoint): FakeOsoCall[];
  /** Number of requests to one endpoint. */
  count(endpoint: FakeOsoEndpoint): number;
  /** Telemetry deliveries received (`POST /api/agents/v1/model-request`). */
  readonly modelRequests: FakeOsoCall[];
  /** The allow rows. */
  readonly policy: readonly FakeOsoRule[];
  /** Adds allow rows. */
  allow(...rules: FakeOsoRule[]): void;
  /** Replaces the allow rows. */
  setPolicy(rules: readonly FakeOsoRule[]): void;
  /** Answers the next `count` requests to `endpoint` (default: the Check API, i.e. authorize/list/actions) with `status`. */
  failNext(status: number, count?: number, endpoint?: FakeOsoEndpoint | 'check'): void;
  /** Delays every answer by `ms` (0: no delay). */
  slow(ms: number): void;
  /** Check API requests are never answered while true (telemetry is). */
  hang(on: boolean): void;
  /** Check API requests received and not answered yet. */
  readonly inFlight: number;
  /** The most Check API requests ever in flight at once. */
  readonly peakInFlight: number;
  /** Resolves once `condition` holds (a number: that many model requests); rejects after `timeoutMs`. */
  waitFor(condition: number | ((calls: readonly FakeOsoCall[]) => boolean), timeoutMs?: number): Promise<void>;
  /** Forgets the recorded calls (not the policy). */
  reset(): void;
  /** True while listening. */
  readonly isUp: boolean;
  /** Stops listening and drops every connection (an outage: callers get connection refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

function endpointOf(method: string, path: string): FakeOsoEndpoint {
  if (method !== 'POST') return 'other';
  for (const [name, p] of Object.entries(FAKE_OSO_PATHS)) if (path === p) return name as FakeOsoEndpoint;
  return 'other';
}

function isValue(v: unknown): v is FakeOsoValue {
  return v !== null && typeof v === 'object' && typeof (v as FakeOsoValue).type === 'string' && typeof (v as FakeOsoValue).id === 'string';
}

function matchId(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

function hasFact(facts: readonly unknown[], want: NonNullable<FakeOsoRule['when']>): boolean {
  return facts.some((f) => {
    const fact = f as { predicate?: unknown; args?: unknown };
    if (fact.predicate !== want.predicate || !Array.isArray(fact.args) || fact.args.length !== want.args.length) return false;
    return want.args.every((w, i) => {
      const a = (fact.args as unknown[])[i];
      return isValue(a) && a.type === w.type && matchId(w.id, a.id);
    });
  });
}

/** Validates a Check API body; returns the error message, or undefined. */
function checkBody(body: unknown, fields: readonly string[], maxFacts: number): string | undefined {
  if (body === null || typeof body !== 'object') return 'request body must be a JSON object';
  const b = body as Record<string, unknown>;
  for (const f of fields) if (typeof b[f] !== 'string' || b[f] === '') return `missing or empty field "${f}"`;
  const facts = b.context_facts ?? [];
  if (!Array.isArray(facts)) return '"context_facts" must be an array';
  if (facts.length > maxFacts) return `too many context facts (${facts.length}; the limit is ${maxFacts})`;
  for (const f of facts) {
    const fact = f as { predicate?: unknown; args?: unknown };
    if (typeof fact?.predicate !== 'string' || !Array.isArray(fact.args) || !fact.args.every(isValue)) return 'malformed context fact (expected {"predicate", "args": [{"type","id"}]})';
    if (fact.args.some((a: FakeOsoValue) => a.id === '')) return 'context fact args need a non-empty id';
  }
  return undefined;
}

/**
 * Starts a fake Oso on 127.0.0.1 (port 0): `POST /api/agents/v1/model-request` records telemetry
 * (any body; answers 200 `{}`), `POST /api/authorize`, `/api/list` and `/api/actions` answer from
 * an in-memory table of allow rows (deny by default), every request needs
 * `Authorization: Bearer <apiKey>` (401 otherwise) and is recorded with its headers and body. It
 * can fail the next requests with a status, be slow, hang, go down and come back on the same port.
 */
export async function startFakeOso(options: FakeOsoOptions = {}): Promise<FakeOso> {
  const apiKey = options.apiKey ?? 'oso-test-key';
  const maxFacts = options.maxContextFacts ?? 20;
  let policy: FakeOsoRule[] = [...(options.policy ?? [])];
  const calls: FakeOsoCall[] = [];
  const failures: Array<{ status: number; remaining: number; endpoint: FakeOsoEndpoint | 'check' }> = [];
  const waiters = createConditionWaiters();
  let delayMs = 0;
  let hanging = false;
  let inFlight = 0;
  let peakInFlight = 0;

  const allowed = (b: Record<string, string>, facts: readonly unknown[], resourceId: string): boolean =>
    policy.some(
      (r) =>
        r.actor_type === b.actor_type &&
        matchId(r.actor_id, b.actor_id as string) &&
        matchId(r.action, b.action as string) &&
        r.resource_type === b.resource_type &&
        matchId(r.resource_id, resourceId) &&
        (r.when === undefined || hasFact(facts, r.when)),
    );

  const answer = (call: FakeOsoCall): { status: number; json: unknown } => {
    const auth = call.headers.authorization;
    if (auth !== `Bearer ${apiKey}`) return { status: 401, json: { message: 'Invalid API key' } };
    const failure = failures.find((f) => f.endpoint === call.endpoint || (f.endpoint === 'check' && ['authorize', 'list', 'actions'].includes(call.endpoint)));
    if (failure !== undefined) {
      if (--failure.remaining <= 0) failures.splice(failures.indexOf(failure), 1);
      return { status: failure.status, json: { message: `fake oso: scripted failure ${failure.status}` } };
    }
    const body = call.body as Record<string, string> & { context_facts?: unknown[] };
    switch (call.endpoint) {
      case 'model-request':
        return { status: 200, json: {} };
      case 'authorize': {
        const problem = checkBody(body, ['actor_type', 'actor_id', 'action', 'resource_type', 'resource_id'], maxFacts);
        if (problem !== undefined) return { status: 400, json: { message: problem } };
        return { status: 200, json: { allowed: allowed(body, body.context_facts ?? [], body.resource_id as string) } };
      }
      case 'list': {
        const problem = checkBody(body, ['actor_type', 'actor_id', 'action', 'resource_type'], maxFacts);
        if (problem !== undefined) return { status: 400, json: { message: problem } };
        const ids = [...new Set(policy.filter((r) => r.resource_id !== '*' && allowed(body, body.context_facts ?? [], r.resource_id)).map((r) => r.resource_id))];
        return { status: 200, json: { results: ids, next_page_token: null } };
      }
      case 'actions': {
        const problem = checkBody(body, ['actor_type', 'actor_id', 'resource_type', 'resource_id'], maxFacts);
        if (problem !== undefined) return { status: 400, json: { message: problem } };
        const facts = body.context_facts ?? [];
        const actions = [
          ...new Set(
            policy
              .filter((r) => r.action !== '*' && r.actor_type === body.actor_type && matchId(r.actor_id, body.actor_id as string) && r.resource_type === body.resource_type && matchId(r.resource_id, body.resource_id as string) && (r.when === undefined || hasFact(facts, r.when)))
              .map((r) => r.action),
          ),
        ];
        return { status: 200, json: { results: actions } };
      }
      default:
        return { status: 404, json: { message: `no route for ${call.method} ${call.path}` } };
    }
  };

  const server = await startRestartableServer((req: IncomingMessage, res: ServerResponse) => {
    void readRequestBody(req).then(({ raw, body }) => {
      const path = req.url ?? '';
      const call: FakeOsoCall = { index: calls.length, endpoint: endpointOf(req.method ?? '', path.split('?')[0] as string), method: req.method ?? '', path, headers: req.headers, raw, body, status: 0 };
      calls.push(call);
      const check = call.endpoint === 'authorize' || call.endpoint === 'list' || call.endpoint === 'actions';
      if (check) {
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        res.once('close', () => inFlight--);
      }
      waiters.notify();
      void (async () => {
        if (hanging && call.endpoint !== 'model-request') return;
        if (delayMs > 0) await sleep(delayMs);
        if (res.destroyed) return;
        const { status, json } = answer(call);
        const text = Buffer.from(JSON.stringify(json));
        call.status = status;
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length), 'x-request-id': `fake-${call.index}` });
        res.end(text);
        waiters.notify();
      })().catch(() => res.destroy());
    }, () => res.destroy());
  });
  const { url, port } = server;

  return {
    url,
    modelRequestUrl: `${url}${FAKE_OSO_PATHS['model-request']}`,
    port,
    apiKey,
    calls,
    callsTo: (endpoint) => calls.filter((c) => c.endpoint === endpoint),
    count: (endpoint) => calls.reduce((n, c) => (c.endpoint === endpoint ? n + 1 : n), 0),
    get modelRequests() {
      return calls.filter((c) => c.endpoint === 'model-request');
    },
    get policy() {
      return policy;
    },
    allow(...rules) {
      policy.push(...rules);
    },
    setPolicy(rules) {
      policy = [...rules];
    },
    failNext(status, count = 1, endpoint = 'check') {
      failures.push({ status, remaining: count, endpoint });
    },
    slow(ms) {
      delayMs = ms;
    },
    hang(on) {
      hanging = on;
    },
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    waitFor(condition, timeoutMs = 10_000) {
      const done = (): boolean => (typeof condition === 'number' ? calls.filter((c) => c.endpoint === 'model-request').length >= condition : condition(calls));
      return waiters.waitFor(done, timeoutMs, () => `fake oso: condition not met (${calls.length} calls)`);
    },
    reset() {
      calls.length = 0;
      peakInFlight = inFlight;
    },
    get isUp() {
      return server.isUp;
    },
    down: () => server.down(),
    up: () => server.up(),
    close: () => server.down(),
  };
}
