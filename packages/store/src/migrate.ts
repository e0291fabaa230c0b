import { type Kysely, type Migration, Migrator } from 'kysely';
import { storeError } from './errors.js';
import type { Migrations, StoreLogger } from './types.js';

const NAMESPACE = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Runs the pending `migrations` of `namespace` with Kysely's Migrator, recorded in
 * `<namespace>_migrations` (lock row in `<namespace>_migrations_lock`). Concurrent runs are
 * serialized: on PostgreSQL by Kysely's advisory lock plus one transaction, on SQLite by one
 * `BEGIN IMMEDIATE` transaction (see the SQLite dialect).
 */
export async function migrateNamespace(db: Kysely<any>, namespace: string, migrations: Migrations, log: StoreLogger): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any -- any schema
  if (!NAMESPACE.test(namespace)) {
    throw storeError('TG_ERR_STORE_MIGRATION', `migration namespace "${namespace}" must match ${NAMESPACE.source}`);
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => ({ ...migrations }) },
    migrationTableName: `${namespace}_migrations`,
    migrationLockTableName: `${namespace}_migrations_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length > 0) log.info({ namespace, migrations: applied }, 'store migrations applied');
  if (error === undefined) return;
  const failed = results.find((r) => r.status === 'Error')?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  throw storeError('TG_ERR_STORE_MIGRATION', `migration ${namespace}/${failed ?? '(setup)'} failed: ${reason}`, error);
}
