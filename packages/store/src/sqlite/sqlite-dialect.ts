import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { StoreLogger } from '../types.js';
import type { WorkerInit } from './protocol.js';
import { WorkerSqliteDriver } from './worker-sqlite-driver.js';

/**
 * Kysely's SQLite adapter, except that DDL runs in transactions (SQLite supports that): the
 * migrator then applies each namespace's migrations inside one `BEGIN IMMEDIATE` transaction,
 * which also keeps two processes that start at once on one file from both applying them.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SQLite dialect (compiler, introspector) over the worker-thread driver. */
export class WorkerSqliteDialect implements Dialect {
  readonly #init: WorkerInit;
  readonly #log: StoreLogger;

  constructor(init: WorkerInit, log: StoreLogger) {
    this.#init = init;
    this.#log = log;
  }

  createDriver(): Driver {
    return new WorkerSqliteDriver(this.#init, this.#log);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
