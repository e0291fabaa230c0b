import { type Migrations, columnTypes, dialectOf } from '@tollgate/store';
import { BUCKET_TABLE } from '../quota/atomic-charge.js';

/** Migration namespace of the quotas plugin in the shared store (its tables are prefixed with it). */
export const STORE_NAMESPACE = 'quotas';

/**
 * The quotas plugin's tables. One row per bucket (templates filled): the balance in integer
 * nanodollars, the refill not yet credited (`carry`, in 1/period nanodollar) and when the row was
 * last brought up to date (epoch milliseconds). A bucket without a row is full.
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
        .execute();
    },
  },
};
