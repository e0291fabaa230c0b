import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  IdentifierNode,
  type QueryCompiler,
  type QueryResult,
  RawNode,
  createQueryId,
} from 'kysely';
import { storeError } from '../errors.js';
import type { StoreLogger } from '../types.js';
import type { QueryResponse, ReadyMessage, WireError, WorkerInit } from './protocol.js';

interface Pending {
  resolve(response: QueryResponse): void;
  reject(err: Error): void;
}

/**
 * A Kysely driver whose one SQLite connection lives in a worker thread: the main thread only
 * compiles queries and copies parameters and rows across, so a statement of any length never
 * blocks the gateway's event loop. Like Kysely's own SQLite driver it hands out its single
 * connection to one user at a time; transactions start with `BEGIN IMMEDIATE`, so a write
 * waits for another process's write lock (busy timeout) instead of failing half-way.
 * A worker that dies fails the queries in flight (`TG_ERR_STORE_WORKER`); the next query starts a new one.
 */
export class WorkerSqliteDriver implements Driver {
  readonly #init: WorkerInit;
  readonly #log: StoreLogger;
  readonly #pending = new Map<number, Pending>();
  readonly #mutex = new ConnectionMutex();
  readonly #connection: WorkerConnection;
  #worker: Promise<Worker> | undefined;
  #nextId = 1;
  #closed = false;

  constructor(init: WorkerInit, log: StoreLogger) {
    this.#init = init;
    this.#log = log;
    this.#connection = new WorkerConnection((sql, params) => this.#query(sql, params));
  }

  async init(): Promise<void> {
    await this.#ensureWorker();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('savepoint', name), createQueryId()));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('rollback to', name), createQueryId()));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('release', name), createQueryId()));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const starting = this.#worker;
    this.#worker = undefined;
    const worker = await starting?.catch(() => undefined);
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  #ensureWorker(): Promise<Worker> {
    if (this.#closed) return Promise.reject(storeError('TG_ERR_STORE_CLOSED', 'the store is closed'));
    this.#worker ??= this.#spawn();
    return this.#worker;
  }

  #spawn(): Promise<Worker> {
    const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: this.#init });
    let opened = false;
    const starting: Promise<Worker> = new Promise<Worker>((resolve, reject) => {
      worker.once('message', (msg: ReadyMessage) => {
        if (!msg.ready) return reject(storeError('TG_ERR_STORE_OPEN', `cannot open SQLite database ${this.#init.file}: ${msg.error.message}`));
        opened = true;
        worker.on('message', (res: QueryResponse) => this.#onResponse(worker, res));
        worker.unref();
        resolve(worker);
      });
      worker.on('error', (err) => this.#log.error({ error: err.message }, 'SQLite worker thread failed'));
      worker.once('exit', (code) => {
        if (this.#worker === starting) this.#worker = undefined;
        if (!opened) return reject(storeError('TG_ERR_STORE_OPEN', `the SQLite worker exited (code ${code}) before opening ${this.#init.file}`));
        if (!this.#closed) this.#log.warn({ code, pending: this.#pending.size }, 'SQLite worker thread exited; the next query starts a new one');
        const err = storeError('TG_ERR_STORE_WORKER', `the SQLite worker exited (code ${code}) with queries in flight`);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
      });
    });
    return starting;
  }

  #onResponse(worker: Worker, res: QueryResponse): void {
    const p = this.#pending.get(res.id);
    if (p === undefined) return;
    this.#pending.delete(res.id);
    if (this.#pending.size === 0) worker.unref();
    p.resolve(res);
  }

  async #query(sql: string, params: readonly unknown[]): Promise<QueryResponse> {
    const worker = await this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise<QueryResponse>((resolve, reject) => {
      // Referenced only while a query is pending: an idle store never keeps the process alive.
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, sql, params });
    });
  }
}

/** The single connection: one query at a time, answered by the worker. */
class WorkerConnection implements DatabaseConnection {
  readonly #query: (sql: string, params: readonly unknown[]) => Promise<QueryResponse>;

  constructor(query: (sql: string, params: readonly unknown[]) => Promise<QueryResponse>) {
    this.#query = query;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.#query(compiled.sql, compiled.parameters);
    if (!res.ok) throw fromWire(res.error);
    if (res.changes === undefined) return { rows: blobsAsBuffers(res.rows) as R[] };
    return {
      rows: [],
      numAffectedRows: BigInt(res.changes),
      insertId: res.lastInsertRowid === undefined ? undefined : BigInt(res.lastInsertRowid),
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    // The rows come over in one message; they are handed out in chunks of `chunkSize`.
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += Math.max(1, chunkSize)) yield { rows: rows.slice(i, i + Math.max(1, chunkSize)) };
  }
}

/** libsql reads blobs as ArrayBuffer; the store gives Buffer, as pg does. */
function blobsAsBuffers(rows: unknown[]): unknown[] {
  for (const row of rows as Record<string, unknown>[]) {
    for (const key in row) {
      const v = row[key];
      if (v instanceof ArrayBuffer) row[key] = Buffer.from(v);
    }
  }
  return rows;
}

function fromWire(e: WireError): Error {
  if (e.code?.startsWith('TG_ERR_')) return storeError(e.code as 'TG_ERR_STORE_VALUE', e.message);
  return Object.assign(new Error(e.message), { code: e.code });
}

function savepointCommand(command: string, name: string): RawNode {
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}

/** Hands the single connection to one user at a time, in order. */
class ConnectionMutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else next();
  }
}
