/** Messages between the SQLite driver (main thread) and its worker thread. Internal. */

/** What the worker is given when it starts. */
export interface WorkerInit {
  /** Absolute path of the database file (already created 0600). */
  readonly file: string;
  /** `PRAGMA busy_timeout` in ms. */
  readonly busyTimeoutMs: number;
}

/** A query for the worker. */
export interface QueryRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** An error, as sent across the thread boundary. */
export interface WireError {
  readonly message: string;
  /** SQLite's extended code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`) or a store code. */
  readonly code: string | undefined;
}

/** The worker's answer to a {@link QueryRequest}. */
export type QueryResponse =
  | {
      readonly id: number;
      readonly ok: true;
      readonly rows: unknown[];
      /** Statements that return no rows: rows changed. */
      readonly changes?: number;
      /** Statements that return no rows: the last inserted rowid. */
      readonly lastInsertRowid?: number | bigint;
    }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** The worker's first message: the database is open (or could not be opened). */
export type ReadyMessage = { readonly ready: true } | { readonly ready: false; readonly error: WireError };
