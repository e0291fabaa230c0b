import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { CaptureTables } from '../tables.js';
import type { ToolUseGroup, UsageGroup } from '../types.js';
import { exchangeConditions, toolConditions } from './conditions.js';
import type { Filters, Viewer } from './params.js';

/** `group_by` values of `GET /api/tool-use`. */
export const TOOL_USE_GROUPS = ['tool', 'user', 'session', 'day', 'hour'] as const;
/** `group_by` values of `GET /api/usage`. */
export const USAGE_GROUPS = ['user', 'model', 'provider', 'day', 'hour'] as const;

/** A grouping of `GET /api/tool-use`. */
export type ToolUseGroupBy = (typeof TOOL_USE_GROUPS)[number];
/** A grouping of `GET /api/usage`. */
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];

const BUCKET_MS = { day: 86_400_000, hour: 3_600_000 } as const;

/** A time bucket's key: `2026-05-01` for a day, `2026-05-01T13:00:00Z` for an hour. */
export function bucketKey(unit: 'day' | 'hour', bucket: number): string {
  const iso = new Date(Number(bucket) * BUCKET_MS[unit]).toISOString();
  return unit === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00:00Z`;
}

/**
 * The SQL of a grouping key. Time buckets are whole days or hours since the epoch (integer
 * division of the epoch-ms column works alike in both databases), named in JS afterwards.
 */
function keyExpression(groupBy: ToolUseGroupBy | UsageGroupBy, timeColumn: 'e.time_ms' | 't.time_ms'): RawBuilder<string | number> {
  switch (groupBy) {
    case 'tool':
      return sql`t.name`;
    case 'user':
      return sql`e.login`;
    case 'session':
      return sql`coalesce(e.session_id, '')`;
    case 'model':
      return sql`coalesce(e.model, '')`;
    case 'provider':
      return sql`coalesce(e.provider, '')`;
    case 'day':
    case 'hour':
      return sql`${sql.ref(timeColumn)} / ${sql.lit(BUCKET_MS[groupBy])}`;
  }
}

/** Orders groups: time buckets oldest first, others largest first (then by key). */
function isTime(groupBy: string): groupBy is 'day' | 'hour' {
  return groupBy === 'day' || groupBy === 'hour';
}

/** Result of an aggregate: the groups, and whether `limit` cut some off. */
export interface Groups<G> {
  readonly groups: G[];
  readonly truncated: boolean;
}

/**
 * The groups of `rows` (queried with `limit + 1`, largest or most recent first): at most `limit`,
 * each with its key named (time buckets as dates), time buckets then put oldest first.
 */
function groupsOf<R extends { readonly key: unknown }, G>(rows: readonly R[], groupBy: ToolUseGroupBy | UsageGroupBy, limit: number, group: (row: R, key: string) => G): Groups<G> {
  const truncated = rows.length > limit;
  const groups = (truncated ? rows.slice(0, limit) : rows).map((r) => group(r, isTime(groupBy) ? bucketKey(groupBy, Number(r.key)) : String(r.key)));
  if (isTime(groupBy)) groups.reverse();
  return { groups, truncated };
}

/**
 * Tool calls matching `filters` that `viewer` may see, counted by decision per group, in the
 * database. At most `limit` groups: the most recent time buckets, or the largest groups.
 */
export async function toolUse(db: Kysely<CaptureTables>, groupBy: ToolUseGroupBy, filters: Filters, viewer: Viewer, limit: number): Promise<Groups<ToolUseGroup>> {
  const key = keyExpression(groupBy, 't.time_ms');
  const count = (decision: string) => sql<number>`sum(case when t.decision = ${decision} then 1 else 0 end)`;
  const rows = await db
    .selectFrom('capture_tool_calls as t')
    .innerJoin('capture_exchanges as e', 'e.id', 't.exchange_id')
    .select((eb) => [key.as('key'), eb.fn.countAll<number>().as('total'), count('allow').as('allow'), count('block').as('block'), count('strip').as('strip')])
    .where((eb) => eb.and([exchangeConditions(eb, filters, viewer, true), toolConditions(eb, filters)]))
    // Tool calls carry their exchange's time: bound them directly (indexed).
    .$if(filters.since !== undefined, (qb) => qb.where('t.time_ms', '>=', filters.since as number))
    .$if(filters.until !== undefined, (qb) => qb.where('t.time_ms', '<', filters.until as number))
    .groupBy(key)
    .orderBy(isTime(groupBy) ? key : sql`count(*)`, 'desc')
    .$if(!isTime(groupBy), (qb) => qb.orderBy(key))
    .limit(limit + 1)
    .execute();
  return groupsOf(rows, groupBy, limit, (r, k) => ({
    key: k,
    total: Number(r.total),
    allow: Number(r.allow ?? 0),
    block: Number(r.block ?? 0),
    strip: Number(r.strip ?? 0),
  }));
}

/**
 * Requests matching `filters` that `viewer` may see, per group: how many, their tokens, their
 * cost (null when none was priced) and how many had no price.
 */
export async function usage(db: Kysely<CaptureTables>, groupBy: UsageGroupBy, filters: Filters, viewer: Viewer, limit: number): Promise<Groups<UsageGroup>> {
  const key = keyExpression(groupBy, 'e.time_ms');
  const rows = await db
    .selectFrom('capture_exchanges as e')
    .select((eb) => [
      key.as('key'),
      eb.fn.countAll<number>().as('requests'),
      eb.fn.sum<number | null>('e.input_tokens').as('input_tokens'),
      eb.fn.sum<number | null>('e.output_tokens').as('output_tokens'),
      eb.fn.sum<number | null>('e.cached_tokens').as('cached_tokens'),
      eb.fn.sum<number | null>('e.reasoning_tokens').as('reasoning_tokens'),
      eb.fn.sum<number | null>('e.cost_dollars').as('cost_dollars'),
      sql<number>`sum(case when e.cost_dollars is null then 1 else 0 end)`.as('unpriced'),
    ])
    .where((eb) => exchangeConditions(eb, filters, viewer))
    .groupBy(key)
    .orderBy(isTime(groupBy) ? key : sql`count(*)`, 'desc')
    .$if(!isTime(groupBy), (qb) => qb.orderBy(key))
    .limit(limit + 1)
    .execute();
  return groupsOf(rows, groupBy, limit, (r, k) => ({
    key: k,
    requests: Number(r.requests),
    input_tokens: Number(r.input_tokens ?? 0),
    output_tokens: Number(r.output_tokens ?? 0),
    cached_tokens: Number(r.cached_tokens ?? 0),
    reasoning_tokens: Number(r.reasoning_tokens ?? 0),
    cost_dollars: r.cost_dollars === null ? null : Number(r.cost_dollars),
    unpriced_requests: Number(r.unpriced ?? 0),
  }));
}
