import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { CaptureTables, ExchangesTable, ToolCallsTable } from '../tables.js';
import type { Filters, Viewer } from './params.js';

/** The tables as the read API's queries alias them: `e` exchanges, `t` tool calls, `p` payloads. */
export type ReadDb = CaptureTables & { e: ExchangesTable; t: ToolCallsTable };

/** Decision word → the exchange column counting it. */
const DECISION_COLUMN = { allow: 'e.tools_allowed', block: 'e.tools_blocked', strip: 'e.tools_stripped' } as const;

/** What the caller may see: an admin everything, anyone else their own login only. */
export function visibleTo(eb: ExpressionBuilder<ReadDb, 'e'>, viewer: Viewer): Expression<SqlBool>[] {
  return viewer.admin ? [] : [eb('e.login', '=', viewer.login)];
}

/**
 * Conditions on `e` (an exchange) for `filters`, plus what `viewer` may see. With `toolsJoined`
 * (the query reads `t`, the tool calls), `tool` and `decision` are left to {@link toolConditions};
 * otherwise an exchange matches when one of its calls does (`exists`), or, for `decision` alone,
 * from the exchange's own counts.
 */
export function exchangeConditions(eb: ExpressionBuilder<ReadDb, 'e'>, filters: Filters, viewer: Viewer, toolsJoined = false): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = visibleTo(eb, viewer);
  if (filters.user !== undefined) c.push(eb('e.login', '=', filters.user));
  if (filters.model !== undefined) c.push(eb('e.model', '=', filters.model));
  if (filters.provider !== undefined) c.push(eb('e.provider', '=', filters.provider));
  if (filters.session !== undefined) c.push(eb('e.session_id', '=', filters.session));
  if (filters.status !== undefined) c.push(eb('e.status', '>=', filters.status.min), eb('e.status', '<=', filters.status.max));
  if (filters.since !== undefined) c.push(eb('e.time_ms', '>=', filters.since));
  if (filters.until !== undefined) c.push(eb('e.time_ms', '<', filters.until));
  if (filters.hasToolCalls !== undefined) c.push(eb('e.tool_calls', filters.hasToolCalls ? '>' : '=', 0));
  if (!toolsJoined) {
    const tool = filters.tool;
    const decision = filters.decision;
    if (tool !== undefined) {
      c.push(
        eb.exists(
          eb
            .selectFrom('capture_tool_calls as tc')
            .select('tc.idx')
            .whereRef('tc.exchange_id', '=', 'e.id')
            .where('tc.name', '=', tool)
            .$if(decision !== undefined, (qb) => qb.where('tc.decision', '=', decision as NonNullable<typeof decision>)),
        ),
      );
    } else if (decision !== undefined) c.push(eb(DECISION_COLUMN[decision], '>', 0));
  }
  return eb.and(c);
}

/** Conditions on `t` (a tool call) for the `tool` and `decision` filters. */
export function toolConditions(eb: ExpressionBuilder<ReadDb, 't'>, filters: Filters): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [];
  if (filters.tool !== undefined) c.push(eb('t.name', '=', filters.tool));
  if (filters.decision !== undefined) c.push(eb('t.decision', '=', filters.decision));
  return eb.and(c);
}
