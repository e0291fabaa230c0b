import { type Migrations, columnTypes, dialectOf } from '@tollgate/store';
import { BUCKET_TABLE } from '../quota/atomic-charge.js';

/** Migration namespace of the quotas plugin in the shared store (its tables are prefixed with it). */
export const STORE_NAMESPACE = 'quotas';

/**
 * The quotas plugin's tables. One row per bucket (templates filled): the balance in integer
 * nanodollars, the refill not yet credited (`carry`, in 1/period nanodollar), when the row was
 * last brought up to date (epoch milliseconds), and the limits and amount of its last change
 * (which the atomic statements pass through these columns, see `atomic-charge.ts`). A bucket
 * without a row is full.
 */
export const QUOTAS_MIGRATIONS: Migrations = {
  '0001-buckets': {
    async up(db) {
      const t = columnTypes(dialectOf(db));
      await db.schema
        .createTable(BUCKET_TABLE)
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('balance', t.bigint, (c) => c.notNull())
        .addColumn('carry', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addColumn('capacity', t.bigint, (c) => c.notNull())
        .addColumn('period', t.bigint, (c) => c.notNull())
        .addColumn('rate_amount', t.bigint, (c) => c.notNull())
        .addColumn('max_periods', t.bigint, (c) => c.notNull())
        .addColumn('last_change', t.bigint, (c) => c.notNull())
        .execute();
    },
  },
};
