import type { Kysely } from '@tollgate/store';
import type { RetentionPolicy } from './retention.js';
import type { CaptureTables } from './tables.js';

/** Rows deleted per statement: each delete is its own short transaction, so writers never wait long. */
const PURGE_CHUNK = 500;

/** What one purge did. */
export interface PurgeResult {
  /** When it ran (epoch ms, by the plugin's clock). */
  readonly at: number;
  /** Captures older than this (epoch ms) were deleted. */
  readonly cutoff: number;
  /** Payload rows (bodies and headers) deleted. */
  readonly payloads: number;
  /** Tool-call rows deleted (only when `purge` lists `tools`). */
  readonly toolCalls: number;
}

/** Deletes, in chunks, the rows of `table` whose `time_ms` is before `cutoff`; returns how many. */
async function purgeTable(db: Kysely<CaptureTables>, table: 'capture_payloads' | 'capture_tool_calls', cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    // `time_ms` is indexed: each round finds at most PURGE_CHUNK old rows and deletes exactly those.
    const result = await db
      .deleteFrom(table)
      .where('exchange_id', 'in', (qb) => qb.selectFrom(table).select('exchange_id').where('time_ms', '<', cutoff).limit(PURGE_CHUNK))
      .executeTakeFirst();
    const n = Number(result.numDeletedRows);
    total += n;
    if (n === 0) return total;
  }
}

/**
 * Applies the retention policy once: deletes the bodies and headers of exchanges older than
 * `maxAgeMs` (and their tool calls when `purge` lists `tools`); the exchange rows (the metrics)
 * stay. Idempotent and safe when several gateways run it at once on one database: each delete
 * removes only rows that are still there.
 */
export async function purgeOnce(db: Kysely<CaptureTables>, policy: RetentionPolicy, now: number): Promise<PurgeResult | undefined> {
  if (!policy.purges || policy.maxAgeMs === undefined) return undefined;
  const cutoff = now - policy.maxAgeMs;
  const payloads = await purgeTable(db, 'capture_payloads', cutoff);
  const toolCalls = policy.purgeTools ? await purgeTable(db, 'capture_tool_calls', cutoff) : 0;
  return { at: now, cutoff, payloads, toolCalls };
}
