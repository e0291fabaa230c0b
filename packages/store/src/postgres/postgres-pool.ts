import pg from 'pg';
import type { StoreLogger } from '../types.js';

const INT8 = 20;
const NUMERIC = 1700;
const JSON_OID = 114;
const JSONB = 3802;

/**
 * Type parsers of the store's pool (the global `pg.types` stay untouched): int8 (`bigint`,
 * `count(*)`) and numeric (`sum(bigint)`, `avg`) as JS numbers, json/jsonb as their text, so
 * rows look the same as SQLite's.
 */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (format !== 'binary') {
    if (oid === INT8 || oid === NUMERIC) return Number;
    if (oid === JSON_OID || oid === JSONB) return (text: string) => text;
  }
  return pg.types.getTypeParser(oid, format);
}) as typeof pg.types.getTypeParser;

/** Options of {@link createPostgresPool}. */
export interface PostgresPoolOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly log: StoreLogger;
}

/**
 * A `pg` pool for the store. Idle connections that the server ends (a restart) are logged and
 * replaced, never an unhandled `error` event; an idle pool does not keep the process alive.
 */
export function createPostgresPool(o: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    application_name: 'tollgate',
    // A server that vanished without closing the connection (a network partition) is noticed
    // by TCP keep-alive instead of leaving a query pending for the kernel's 2-hour default.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    allowExitOnIdle: true,
    types: { getTypeParser },
  });
  pool.on('error', (err) => o.log.warn({ error: err.message }, 'an idle PostgreSQL connection failed; it will be replaced'));
  return pool;
}

/** The URL without password or query (which may carry credentials), safe to log. */
export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username === '' ? '' : `${u.username}@`;
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
