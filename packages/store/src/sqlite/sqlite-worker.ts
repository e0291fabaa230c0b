/**
 * The SQLite worker thread: owns the one libsql connection and runs the queries the driver
 * sends, so that no statement (a batch insert, a WAL checkpoint, a dashboard scan) ever blocks
 * the gateway's event loop. Internal; started by {@link WorkerSqliteDriver}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'libsql';
import type { QueryRequest, QueryResponse, ReadyMessage, WireError, WorkerInit } from './protocol.js';
import { bindableParams } from './bindable-params.js';

const STATEMENT_CACHE_SIZE = 256;

type Statement = ReturnType<InstanceType<typeof Database>['prepare']>;

const port = parentPort;
if (port === null) throw new Error('sqlite-worker must run in a worker thread');
const init = workerData as WorkerInit;

const toWire = (err: unknown): WireError => {
  const e = err as { message?: unknown; code?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    code: typeof e?.code === 'string' ? e.code : undefined,
  };
};

let db: InstanceType<typeof Database>;
try {
  db = new Database(init.file);
  // 16 KiB pages (a new database only: an existing one keeps its page size): a captured
  // exchange's bodies and headers (a few KB) fit in one page instead of a chain of 4 KiB
  // overflow pages, which halves the worker's CPU per captured record (see bench/README.md).
  // WAL: readers never block the writer; NORMAL is durable across process crashes (a power
  // loss may lose the last commits); a bounded WAL file after checkpoints; 16 MiB page cache.
  db.exec(
    `PRAGMA busy_timeout = ${Math.trunc(init.busyTimeoutMs)};
     PRAGMA page_size = 16384;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA foreign_keys = ON;
     PRAGMA journal_size_limit = 67108864;
     PRAGMA cache_size = -16000;
     PRAGMA temp_store = MEMORY;`,
  );
  port.postMessage({ ready: true } satisfies ReadyMessage);
} catch (err) {
  port.postMessage({ ready: false, error: toWire(err) } satisfies ReadyMessage);
  process.exit(1);
}

// Kysely compiles one SQL text per query shape: prepared statements are reused by text.
const statements = new Map<string, Statement>();
const prepare = (sql: string): Statement => {
  let stmt = statements.get(sql);
  if (stmt !== undefined) return stmt;
  stmt = db.prepare(sql);
  if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
  statements.set(sql, stmt);
  return stmt;
};

const run = (req: QueryRequest): QueryResponse => {
  try {
    const params = bindableParams(req.params);
    const stmt = prepare(req.sql);
    if (stmt.reader) return { id: req.id, ok: true, rows: stmt.all(params) };
    const { changes, lastInsertRowid } = stmt.run(params);
    return { id: req.id, ok: true, rows: [], changes, lastInsertRowid };
  } catch (err) {
    return { id: req.id, ok: false, error: toWire(err) };
  }
};

port.on('message', (req: QueryRequest | 'close') => {
  if (req === 'close') {
    db.close();
    port.close();
    return;
  }
  port.postMessage(run(req));
});
