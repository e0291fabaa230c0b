import type { Kysely } from 'kysely';
import type { CaptureTables } from '../tables.js';
import type { RequestDetail, RequestSummary } from '../types.js';
import { exchangeConditions } from './conditions.js';
import { type Filters, type Viewer, encodeCursor } from './params.js';
import { SUMMARY_COLUMNS, requestDetail, requestSummary } from './rows.js';

/** A page of requests. */
export interface RequestPage {
  readonly requests: RequestSummary[];
  readonly next_cursor: string | null;
}

/** Requests matching `filters` that `viewer` may see, newest first, `limit` after `cursor` (`[time_ms, id]`). */
export async function listRequests(db: Kysely<CaptureTables>, filters: Filters, viewer: Viewer, limit: number, cursor: (string | number)[] | undefined): Promise<RequestPage> {
  const rows = await db
    .selectFrom('capture_exchanges as e')
    .select(SUMMARY_COLUMNS)
    .where((eb) => exchangeConditions(eb, filters, viewer))
    .$if(cursor !== undefined, (qb) => {
      const [time, id] = cursor as [number, number];
      return qb.where((eb) => eb.or([eb('e.time_ms', '<', time), eb.and([eb('e.time_ms', '=', time), eb('e.id', '<', id)])]));
    })
    .orderBy('e.time_ms', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { requests: page.map(requestSummary), next_cursor: more && last !== undefined ? encodeCursor([Number(last.time_ms), Number(last.id)]) : null };
}

/** The whole record of request `requestId`, if `viewer` may see it. */
export async function getRequest(db: Kysely<CaptureTables>, requestId: string, viewer: Viewer): Promise<RequestDetail | undefined> {
  const row = await db
    .selectFrom('capture_exchanges as e')
    .leftJoin('capture_payloads as p', 'p.exchange_id', 'e.id')
    .selectAll('e')
    .select(['p.user_message', 'p.request_headers', 'p.response_headers', 'p.request_body', 'p.response_body', 'p.client_response_body', 'p.raw_responses'])
    .where('e.request_id', '=', requestId)
    .$if(!viewer.admin, (qb) => qb.where('e.login', '=', viewer.login))
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const tools = await db
    .selectFrom('capture_tool_calls')
    .select(['idx', 'call_id', 'kind', 'name', 'arguments', 'decision', 'decided_by', 'reason', 'decision_ms'])
    .where('exchange_id', '=', row.id)
    .orderBy('idx')
    .execute();
  return requestDetail(row, row, tools);
}
