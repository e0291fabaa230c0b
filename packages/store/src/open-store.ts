import { resolve } from 'node:path';
import { type Dialect, Kysely, PostgresDialect, sql } from 'kysely';
import { storeError } from './errors.js';
import { migrateNamespace } from './migrate.js';
import { createPostgresPool, redactPostgresUrl } from './postgres/postgres-pool.js';
import { preparePrivateFile } from './sqlite/prepare-file.js';
import { WorkerSqliteDialect } from './sqlite/sqlite-dialect.js';
import type { Migrations, Store, StoreDialect, StoreLogger, StoreOptions } from './types.js';

/** The SQLite file name in the data directory when {@link StoreOptions.file} is not given. */
export const DEFAULT_STORE_FILE = 'tollgate.db';
const PING_TIMEOUT_MS = 5_000;

/**
 * Opens the store `options` describe and checks that it answers: no `url` gives the embedded
 * SQLite file (created 0600 in a 0700 directory, WAL mode, queries on a worker thread);
 * a `postgres://` / `postgresql://` URL gives a `pg` pool. Throws `TG_ERR_STORE_URL` for
 * another scheme and `TG_ERR_STORE_OPEN` when the database cannot be opened or reached.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const log = options.logger;
  const url = options.url?.trim() ?? '';
  let dialect: StoreDialect;
  let kyselyDialect: Dialect;
  let location: string;
  if (url === '') {
    const file = resolve(options.dataDir, options.file ?? DEFAULT_STORE_FILE);
    try {
      preparePrivateFile(file, log);
    } catch (err) {
      throw storeError('TG_ERR_STORE_OPEN', `cannot create the SQLite database ${file}: ${(err as Error).message}`, err);
    }
    dialect = 'sqlite';
    location = file;
    kyselyDialect = new WorkerSqliteDialect({ file, busyTimeoutMs: options.busyTimeoutMs ?? 5_000 }, log);
  } else if (/^postgres(ql)?:\/\//i.test(url)) {
    dialect = 'postgres';
    location = redactPostgresUrl(url);
    const pool = createPostgresPool({ url, poolSize: options.poolSize ?? 10, connectTimeoutMs: options.connectTimeoutMs ?? 5_000, log });
    kyselyDialect = new PostgresDialect({ pool });
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    throw storeError('TG_ERR_STORE_URL', `store URL scheme ${scheme === undefined ? '(none)' : `"${scheme}:"`} is not supported: use postgres:// or postgresql://, or no URL for the SQLite file`);
  }
  const db = new Kysely<any>({ dialect: kyselyDialect }); // eslint-disable-line @typescript-eslint/no-explicit-any -- any schema
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (err instanceof Error && 'code' in err && err.code === 'TG_ERR_STORE_OPEN') throw err;
    throw storeError('TG_ERR_STORE_OPEN', `cannot open the store at ${location}: ${(err as Error).message}`, err);
  }
  log.info({ dialect, location }, 'store opened');
  return new OpenStore(dialect, db, location, log);
}

/** The {@link Store} {@link openStore} returns. */
class OpenStore implements Store {
  readonly dialect: StoreDialect;
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any schema
  readonly location: string;
  readonly #log: StoreLogger;
  #closing: Promise<void> | undefined;

  constructor(dialect: StoreDialect, db: Kysely<any>, location: string, log: StoreLogger) { // eslint-disable-line @typescript-eslint/no-explicit-any -- any schema
    this.dialect = dialect;
    this.db = db;
    this.location = location;
    this.#log = log;
  }

  migrate(namespace: string, migrations: Migrations): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(storeError('TG_ERR_STORE_CLOSED', 'the store is closed'));
    return migrateNamespace(this.db, namespace, migrations, this.#log);
  }

  async ping(): Promise<boolean> {
    if (this.#closing !== undefined) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS).unref();
    });
    try {
      return await Promise.race([sql`select 1`.execute(this.db).then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.db.destroy().then(() => this.#log.debug({ location: this.location }, 'store closed'));
    return this.#closing;
  }
}
