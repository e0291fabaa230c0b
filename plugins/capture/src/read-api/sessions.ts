import { type Kysely, sql } from 'kysely';
import type { CaptureTables } from '../tables.js';
import type { RequestSummary, SessionSummary } from '../types.js';
import { exchangeConditions } from './conditions.js';
import { type Filters, type Viewer, encodeCursor } from './params.js';
import { isoTime } from './rows.js';
import { listRequests } from './requests.js';

/** A page of sessions. */
export interface SessionPage {
  readonly sessions: SessionSummary[];
  readonly next_cursor: string | null;
}

interface SessionRow {
  session_id: string | null;
  login: string;
  first_ms: number;
  last_ms: number;
  requests: number;
  tool_calls: number | null;
  blocked: number | null;
  stripped: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_dollars: number | null;
}

/** The aggregate query of sessions: one row per session id and login, over the matching exchanges. */
function sessionAggregates(db: Kysely<CaptureTables>, filters: Filters, viewer: Viewer) {
  return db
    .selectFrom('capture_exchanges as e')
    .select((eb) => [
      'e.session_id',
      'e.login',
      eb.fn.min('e.time_ms').as('first_ms'),
      eb.fn.max('e.time_ms').as('last_ms'),
      eb.fn.countAll<number>().as('requests'),
      eb.fn.sum<number | null>('e.tool_calls').as('tool_calls'),
      eb.fn.sum<number | null>('e.tools_blocked').as('blocked'),
      eb.fn.sum<number | null>('e.tools_stripped').as('stripped'),
      eb.fn.sum<number | null>('e.input_tokens').as('input_tokens'),
      eb.fn.sum<number | null>('e.output_tokens').as('output_tokens'),
      eb.fn.sum<number | null>('e.cost_dollars').as('cost_dollars'),
    ])
    .where((eb) => eb.and([exchangeConditions(eb, filters, viewer), eb('e.session_id', 'is not', null)]))
    .groupBy(['e.session_id', 'e.login']);
}

/** The API's session summary of an aggregate row. */
function sessionSummary(r: SessionRow, models: string[]): SessionSummary {
  return {
    id: r.session_id as string,
    login: r.login,
    first_seen: isoTime(r.first_ms),
    last_seen: isoTime(r.last_ms),
    requests: Number(r.requests),
    tool_calls: Number(r.tool_calls ?? 0),
    blocked: Number(r.blocked ?? 0),
    stripped: Number(r.stripped ?? 0),
    models,
    input_tokens: Number(r.input_tokens ?? 0),
    output_tokens: Number(r.output_tokens ?? 0),
    cost_dollars: r.cost_dollars === null ? null : Number(r.cost_dollars),
  };
}

/** Adds each session's distinct models (one query for the whole page). */
async function withModels(db: Kysely<CaptureTables>, rows: readonly SessionRow[], filters: Filters, viewer: Viewer): Promise<SessionSummary[]> {
  const ids = [...new Set(rows.map((r) => r.session_id as string))];
  const models = new Map<string, Set<string>>();
  if (ids.length > 0) {
    const found = await db
      .selectFrom('capture_exchanges as e')
      .select(['e.session_id', 'e.login', 'e.model'])
      .distinct()
      .where((eb) => eb.and([exchangeConditions(eb, filters, viewer), eb('e.session_id', 'in', ids), eb('e.model', 'is not', null)]))
      .execute();
    for (const f of found) {
      const key = `${f.login}\u0000${f.session_id}`;
      let set = models.get(key);
      if (set === undefined) models.set(key, (set = new Set()));
      set.add(f.model as string);
    }
  }
  return rows.map((r) => sessionSummary(r, [...(models.get(`${r.login}\u0000${r.session_id}`) ?? [])].sort()));
}

/**
 * Sessions (per session id and login) with a request matching `filters`, most recently active
 * first, aggregated over the matching requests; `limit` after `cursor` (`[last_ms, session, login]`).
 */
export async function listSessions(db: Kysely<CaptureTables>, filters: Filters, viewer: Viewer, limit: number, cursor: (string | number)[] | undefined): Promise<SessionPage> {
  let q = sessionAggregates(db, filters, viewer);
  if (cursor !== undefined) {
    const [last, session, login] = cursor as [number, string, string];
    const lastSeen = sql<number>`max(e.time_ms)`;
    q = q.having((eb) =>
      eb.or([
        eb(lastSeen, '<', last),
        eb.and([eb(lastSeen, '=', last), eb.or([eb('e.session_id', '<', session), eb.and([eb('e.session_id', '=', session), eb('e.login', '<', login)])])]),
      ]),
    );
  }
  const rows = (await q
    .orderBy(sql`max(e.time_ms)`, 'desc')
    .orderBy('e.session_id', 'desc')
    .orderBy('e.login', 'desc')
    .limit(limit + 1)
    .execute()) as SessionRow[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    sessions: await withModels(db, page, filters, viewer),
    next_cursor: more && last !== undefined ? encodeCursor([Number(last.last_ms), last.session_id as string, last.login]) : null,
  };
}

/** One session as `viewer` sees it (over every login with that session id they may see), and its requests newest first. */
export async function getSession(
  db: Kysely<CaptureTables>,
  id: string,
  filters: Filters,
  viewer: Viewer,
  limit: number,
  cursor: (string | number)[] | undefined,
): Promise<{ session: SessionSummary; requests: RequestSummary[]; next_cursor: string | null } | undefined> {
  const scoped: Filters = { ...filters, session: id };
  const rows = (await sessionAggregates(db, scoped, viewer).execute()) as SessionRow[];
  if (rows.length === 0) return undefined;
  const merged: SessionRow = rows.reduce((a, r) => ({
    session_id: id,
    login: r.last_ms > a.last_ms ? r.login : a.login,
    first_ms: Math.min(Number(a.first_ms), Number(r.first_ms)),
    last_ms: Math.max(Number(a.last_ms), Number(r.last_ms)),
    requests: Number(a.requests) + Number(r.requests),
    tool_calls: Number(a.tool_calls ?? 0) + Number(r.tool_calls ?? 0),
    blocked: Number(a.blocked ?? 0) + Number(r.blocked ?? 0),
    stripped: Number(a.stripped ?? 0) + Number(r.stripped ?? 0),
    input_tokens: Number(a.input_tokens ?? 0) + Number(r.input_tokens ?? 0),
    output_tokens: Number(a.output_tokens ?? 0) + Number(r.output_tokens ?? 0),
    cost_dollars: a.cost_dollars === null && r.cost_dollars === null ? null : Number(a.cost_dollars ?? 0) + Number(r.cost_dollars ?? 0),
  }));
  // The models across every login of the session the viewer may see.
  const allModels = await db
    .selectFrom('capture_exchanges as e')
    .select('e.model')
    .distinct()
    .where((eb) => eb.and([exchangeConditions(eb, scoped, viewer), eb('e.model', 'is not', null)]))
    .execute();
  const page = await listRequests(db, scoped, viewer, limit, cursor);
  return {
    session: sessionSummary(merged, allModels.map((m) => m.model as string).sort()),
    requests: page.requests,
    next_cursor: page.next_cursor,
  };
}
