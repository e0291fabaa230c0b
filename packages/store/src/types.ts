import type { Kysely, Migration } from 'kysely';

/** Which database a {@link Store} talks to. */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The logger a store writes through: pino's `Logger` (and a child of it) fits. Fields first,
 * message last, as everywhere in tollgate.
 */
export interface StoreLogger {
  /** Detail for debugging. */
  debug(fields: object, msg?: string): void;
  /** Normal operation worth a line (opened, migrated, recovered). */
  info(fields: object, msg?: string): void;
  /** Something degraded (store down, records dropped). */
  warn(fields: object, msg?: string): void;
  /** Something failed. */
  error(fields: object, msg?: string): void;
}

/** Options of {@link openStore}. */
export interface StoreOptions {
  /**
   * Where the data lives. Absent or empty: an embedded SQLite file in {@link dataDir}.
   * `postgres://` or `postgresql://`: a PostgreSQL database (shared by several gateways).
   * Any other scheme is refused with `TG_ERR_STORE_URL`. Never logged with its password.
   */
  readonly url?: string;
  /** The gateway's data directory; the SQLite file lives here (created 0700 when missing). */
  readonly dataDir: string;
  /** Logger (e.g. a pino child bound to `{ plugin }`). */
  readonly logger: StoreLogger;
  /**
   * SQLite file name, relative to {@link dataDir} (or absolute).
   * @default 'tollgate.db'
   */
  readonly file?: string;
  /**
   * SQLite: how long a write waits for another process's write lock before `SQLITE_BUSY`.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * PostgreSQL: the most connections this process opens.
   * @default 10
   */
  readonly poolSize?: number;
  /**
   * PostgreSQL: how long taking a connection may wait (an unreachable server fails after this).
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
}

/** Migrations of one namespace, by name; they run in the order of their names (e.g. `0001-exchanges`). */
export type Migrations = Readonly<Record<string, Migration>>;

/** An open store: one Kysely query layer over SQLite or PostgreSQL. */
export interface Store {
  /** The database behind {@link db}. */
  readonly dialect: StoreDialect;
  /**
   * The query layer, the same for both dialects. Values come back alike: integers (SQLite
   * INTEGER, PostgreSQL int2/int4/int8) and numerics as JS `number`, JSON columns as their
   * JSON text, blobs as `Buffer`. See the README's "Values" section.
   */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each plugin brings its own table types
  /** Where the data is, safe to log: the SQLite file path, or the PostgreSQL URL without its password. */
  readonly location: string;
  /**
   * Brings the tables of `namespace` up to date: runs the `migrations` not yet applied, in name
   * order, each in its own transaction, recorded in the table `<namespace>_migrations`. Safe
   * when several processes start at once on one database. Throws `TG_ERR_STORE_MIGRATION`
   * naming the failed migration.
   */
  migrate(namespace: string, migrations: Migrations): Promise<void>;
  /** True when a trivial query answers now; never throws. */
  ping(): Promise<boolean>;
  /** Closes every connection (SQLite: after the last query); later queries fail. Idempotent. */
  close(): Promise<void>;
}
