/**
 * @tollgate/store: the storage layer the capture and quotas plugins share. One Kysely query
 * layer over an embedded SQLite file (default, zero set-up) or a shared PostgreSQL database,
 * versioned migrations per namespace, and a bounded {@link BatchWriter} that keeps database
 * writes off the request path.
 */
export { openStore, DEFAULT_STORE_FILE } from './open-store.js';
export { acquireStore, databaseUrlOf, type StoreLease } from './shared-store.js';
export { BatchWriter, type BatchWriterOptions, type BatchWriterStats, type DropCounts } from './batch-writer.js';
export { columnTypes, dialectOf, autoIdColumn, parseJson, type ColumnTypes } from './column-types.js';
export type { StoreErrorCode } from './errors.js';
export type { Store, StoreOptions, StoreDialect, StoreLogger, Migrations } from './types.js';
/** Kysely's types, so that plugins type their tables without a kysely dependency of their own. */
export type { ColumnType, Generated, Insertable, Kysely, Migration, Selectable, Transaction, Updateable } from 'kysely';
export { CompiledQuery, sql } from 'kysely';
