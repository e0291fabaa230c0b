import type { Identity, RouteContext, RouteDefinition } from '@tollgate/core';
import { refuse } from '@tollgate/core';
import type { Kysely } from 'kysely';
import type { CaptureTables } from '../tables.js';
import type { CaptureStats } from '../types.js';
import { TOOL_USE_GROUPS, type ToolUseGroupBy, USAGE_GROUPS, type UsageGroupBy, toolUse, usage } from './aggregates.js';
import { answerCsv, wantsCsv } from './csv.js';
import { type Viewer, badParam, decodeCursor, parseFilters, parseLimit } from './params.js';
import { getRequest, listRequests } from './requests.js';
import { flatSummary } from './rows.js';
import { getSession, listSessions } from './sessions.js';

/** Default and largest page of list endpoints (contracts section 3). */
export const DEFAULT_PAGE = 50;
/** Largest page of list endpoints. */
export const MAX_PAGE = 500;
/** Default and largest number of groups of the aggregate endpoints. */
export const DEFAULT_GROUPS = 500;
/** Largest number of groups of the aggregate endpoints. */
export const MAX_GROUPS = 5000;

/** Columns of the requests CSV, in order. */
export const REQUEST_CSV_COLUMNS = [
  'id', 'time', 'login', 'display_name', 'tags', 'node', 'session_id', 'format', 'provider', 'model_requested', 'model', 'status', 'error_code', 'streamed',
  'duration_ms', 'ttfb_ms', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_dollars', 'cost_basis', 'tool_calls', 'tools_allowed',
  'tools_blocked', 'tools_stripped',
] as const;
const SESSION_CSV_COLUMNS = ['id', 'login', 'first_seen', 'last_seen', 'requests', 'tool_calls', 'blocked', 'stripped', 'models', 'input_tokens', 'output_tokens', 'cost_dollars'] as const;
const TOOL_USE_CSV_COLUMNS = ['key', 'total', 'allow', 'block', 'strip'] as const;
const USAGE_CSV_COLUMNS = ['key', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_dollars', 'unpriced_requests'] as const;

/** What the read API's routes need. */
export interface ReadApiDeps {
  /** The query layer, once the store is open (routes answer 503 before). */
  readonly db: () => Kysely<CaptureTables> | undefined;
  /** The clock relative times (`since=24h`) count from. */
  readonly now: () => number;
  /** The plugin's counters (`GET /api/capture`). */
  readonly stats: () => CaptureStats | undefined;
}

/** The caller's view: admins see everyone, anyone else (a user, or a caller without a role) their own traffic. */
function viewerOf(ctx: RouteContext): Viewer {
  return { login: (ctx.state.identity as Identity).login, admin: ctx.state.access.role === 'admin' };
}

function dbOf(deps: ReadApiDeps): Kysely<CaptureTables> {
  const db = deps.db();
  if (db === undefined) throw refuse({ status: 503, kind: 'unavailable', code: 'capture_unavailable', message: 'the capture store is not open' });
  return db;
}

function query(ctx: RouteContext): URLSearchParams {
  return new URLSearchParams(ctx.querystring);
}

function groupByOf<G extends string>(q: URLSearchParams, allowed: readonly G[], fallback: G): G {
  const v = q.get('group_by');
  if (v === null || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw badParam('group_by', `must be one of ${allowed.join(', ')}`);
  return v as G;
}

/**
 * The read API (contracts section 3): `GET /api/requests`, `/api/requests/{id}`, `/api/sessions`,
 * `/api/sessions/{id}`, `/api/tool-use`, `/api/usage` for identified callers (admins see everyone,
 * others their own traffic), and `GET /api/capture` (the capture plugin's counters) for admins and
 * `read_metrics` holders.
 */
export function readApiRoutes(deps: ReadApiDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/api/requests',
      handler: async (ctx) => {
        const q = query(ctx);
        const filters = parseFilters(q, deps.now());
        const limit = parseLimit(q, DEFAULT_PAGE, MAX_PAGE);
        const page = await listRequests(dbOf(deps), filters, viewerOf(ctx), limit, decodeCursor(q, 'nn'));
        ctx.state.accessLog.rows = page.requests.length;
        if (wantsCsv(ctx)) answerCsv(ctx, page.requests.map(flatSummary), REQUEST_CSV_COLUMNS, page.next_cursor);
        else ctx.body = page;
      },
    },
    {
      method: 'GET',
      path: '/api/requests/:id',
      handler: async (ctx) => {
        const request = await getRequest(dbOf(deps), String(ctx.params.id), viewerOf(ctx));
        if (request === undefined) throw refuse({ status: 404, kind: 'not_found', code: 'request_not_found', message: 'no captured request with this id (or not yours)' });
        ctx.body = { request };
      },
    },
    {
      method: 'GET',
      path: '/api/sessions',
      handler: async (ctx) => {
        const q = query(ctx);
        const filters = parseFilters(q, deps.now());
        const limit = parseLimit(q, DEFAULT_PAGE, MAX_PAGE);
        const page = await listSessions(dbOf(deps), filters, viewerOf(ctx), limit, decodeCursor(q, 'nss'));
        ctx.state.accessLog.rows = page.sessions.length;
        if (wantsCsv(ctx)) answerCsv(ctx, page.sessions.map((s) => ({ ...s, models: s.models.join(' ') })), SESSION_CSV_COLUMNS, page.next_cursor);
        else ctx.body = page;
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/:id',
      handler: async (ctx) => {
        const q = query(ctx);
        const filters = parseFilters(q, deps.now());
        const limit = parseLimit(q, MAX_PAGE, MAX_PAGE);
        const found = await getSession(dbOf(deps), String(ctx.params.id), filters, viewerOf(ctx), limit, decodeCursor(q, 'nn'));
        if (found === undefined) throw refuse({ status: 404, kind: 'not_found', code: 'session_not_found', message: 'no captured session with this id (or not yours)' });
        ctx.body = found;
      },
    },
    {
      method: 'GET',
      path: '/api/tool-use',
      handler: async (ctx) => {
        const q = query(ctx);
        const groupBy = groupByOf<ToolUseGroupBy>(q, TOOL_USE_GROUPS, 'tool');
        const filters = parseFilters(q, deps.now());
        const limit = parseLimit(q, DEFAULT_GROUPS, MAX_GROUPS);
        const { groups, truncated } = await toolUse(dbOf(deps), groupBy, filters, viewerOf(ctx), limit);
        if (wantsCsv(ctx)) answerCsv(ctx, groups as unknown as Record<string, unknown>[], TOOL_USE_CSV_COLUMNS);
        else ctx.body = { group_by: groupBy, groups, ...(truncated ? { truncated } : {}) };
      },
    },
    {
      method: 'GET',
      path: '/api/usage',
      handler: async (ctx) => {
        const q = query(ctx);
        const groupBy = groupByOf<UsageGroupBy>(q, USAGE_GROUPS, 'user');
        const filters = parseFilters(q, deps.now());
        const limit = parseLimit(q, DEFAULT_GROUPS, MAX_GROUPS);
        const { groups, truncated } = await usage(dbOf(deps), groupBy, filters, viewerOf(ctx), limit);
        if (wantsCsv(ctx)) answerCsv(ctx, groups as unknown as Record<string, unknown>[], USAGE_CSV_COLUMNS);
        else ctx.body = { group_by: groupBy, groups, ...(truncated ? { truncated } : {}) };
      },
    },
    {
      method: 'GET',
      path: '/api/capture',
      access: { capability: 'read_metrics' },
      handler: (ctx) => {
        const stats = deps.stats();
        if (stats === undefined) throw refuse({ status: 503, kind: 'unavailable', code: 'capture_unavailable', message: 'the capture store is not open' });
        ctx.body = stats;
      },
    },
  ];
}
