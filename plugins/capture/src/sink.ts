import { BatchWriter, type BatchWriterStats, CompiledQuery, type Store, type StoreDialect, type StoreLogger, type Transaction, dialectOf } from '@tollgate/store';
import type { CaptureRecord } from './record.js';
import type { CaptureTables } from './tables.js';

/** Rows per insert statement (keeps every statement well under both databases' parameter limits). */
const ROWS_PER_INSERT = 200;

/** Options of the shared writer, taken from the plugin that creates it. */
export interface SinkOptions {
  readonly maxBufferedRecords: number;
  readonly maxBufferedBytes: number;
  readonly logger: StoreLogger;
}

interface SinkEntry {
  readonly writer: BatchWriter<CaptureRecord>;
  holders: number;
}

/** One writer per store, shared by the capture plugins of every runtime of this process. */
const sinks = new WeakMap<Store, SinkEntry>();

/** Columns of each table, in the order every insert binds them. */
const COLUMNS = {
  capture_exchanges: [
    'request_id', 'time_ms', 'login', 'display_name', 'tags', 'node', 'session_id', 'format', 'provider', 'model_requested', 'model', 'path', 'user_agent', 'status', 'error_code',
    'error_message', 'streamed', 'aborted', 'duration_ms', 'ttfb_ms', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_dollars', 'cost_basis', 'tool_calls',
    'tools_allowed', 'tools_blocked', 'tools_stripped', 'decisions',
  ],
  capture_tool_calls: ['exchange_id', 'idx', 'time_ms', 'call_id', 'kind', 'name', 'arguments', 'decision', 'decided_by', 'reason', 'decision_ms'],
  capture_payloads: ['exchange_id', 'time_ms', 'user_message', 'request_headers', 'response_headers', 'request_body', 'response_body', 'client_response_body', 'raw_responses'],
} as const satisfies { readonly [T in keyof CaptureTables]: readonly (keyof CaptureTables[T])[] };

type Table = keyof typeof COLUMNS;

/**
 * Checks after the migrations that every column of the capture tables (but the generated `id`) is
 * in {@link COLUMNS}, so that a migration adding a column without adding it here fails start-up
 * (and every test) instead of leaving the column silently unwritten.
 */
export async function checkInsertColumns(store: Store): Promise<void> {
  const tables = await store.db.introspection.getTables();
  for (const [table, listed] of Object.entries(COLUMNS) as [Table, readonly string[]][]) {
    const found = tables.find((t) => t.name === table);
    const missing = (found?.columns ?? []).map((c) => c.name).filter((c) => c !== 'id' && !listed.includes(c));
    if (found === undefined || missing.length > 0) {
      throw new Error(`capture table ${table} ${found === undefined ? 'is missing' : `has columns the writer does not insert: ${missing.join(', ')}`} (update COLUMNS in plugins/capture/src/sink.ts)`);
    }
  }
}

/** Insert texts by dialect, table and row count, made once each (no query compilation per batch). */
const insertTexts = new Map<string, string>();

/** `INSERT INTO table (columns) VALUES (...), ...` for `rows` rows, with the dialect's placeholders. */
function insertText(dialect: StoreDialect, table: Table, rows: number): string {
  const key = `${dialect}:${table}:${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const columns = COLUMNS[table];
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const marks = columns.map((_, c) => (dialect === 'postgres' ? `$${r * columns.length + c + 1}` : '?'));
      tuples.push(`(${marks.join(', ')})`);
    }
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}${table === 'capture_exchanges' ? ' returning "id", "request_id"' : ''}`;
    insertTexts.set(key, text);
  }
  return text;
}

/**
 * Inserts `rows` (each holding every column of `table`) in statements of at most
 * {@link ROWS_PER_INSERT}; returns the rows the statements return.
 */
async function insertRows<R>(trx: Transaction<CaptureTables>, dialect: StoreDialect, table: Table, rows: readonly Readonly<Record<string, unknown>>[]): Promise<R[]> {
  const columns: readonly string[] = COLUMNS[table];
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const n = Math.min(ROWS_PER_INSERT, rows.length - i);
    const params = new Array<unknown>(n * columns.length);
    let k = 0;
    for (let r = i; r < i + n; r++) {
      const row = rows[r] as Readonly<Record<string, unknown>>;
      // A value left undefined would be the column's default; records always set every column.
      for (const c of columns) params[k++] = row[c] ?? null;
    }
    const result = await trx.executeQuery(CompiledQuery.raw(insertText(dialect, table, n), params) as CompiledQuery<R>);
    for (const row of result.rows) out.push(row);
  }
  return out;
}

/**
 * Writes one batch of records in one transaction: exchanges (their ids back), then tool calls
 * and payloads. The statement texts are made once per row count, not compiled per batch.
 */
export async function writeRecords(trx: Transaction<CaptureTables>, records: readonly CaptureRecord[]): Promise<void> {
  const dialect = dialectOf(trx);
  const ids = new Map<string, number>();
  const inserted = await insertRows<{ id: number; request_id: string }>(
    trx,
    dialect,
    'capture_exchanges',
    records.map((r) => r.exchange),
  );
  for (const row of inserted) ids.set(row.request_id, row.id);
  const tools: Record<string, unknown>[] = [];
  const payloads: Record<string, unknown>[] = [];
  for (const r of records) {
    const id = ids.get(r.exchange.request_id);
    if (id === undefined) throw new Error(`capture: no id came back for request ${r.exchange.request_id}`);
    for (const t of r.tools) tools.push({ exchange_id: id, ...t });
    if (r.payload !== undefined) payloads.push({ exchange_id: id, ...r.payload });
  }
  await insertRows(trx, dialect, 'capture_tool_calls', tools);
  await insertRows(trx, dialect, 'capture_payloads', payloads);
}

/** A hold on a store's shared capture writer. */
export interface SinkLease {
  /** The writer. */
  readonly writer: BatchWriter<CaptureRecord>;
  /** Gives the hold back; the last one closes the writer (flushing within `timeoutMs`). */
  release(timeoutMs: number): Promise<void>;
}

/**
 * The capture writer of `store`, shared within the process: a configuration reload's new runtime
 * joins the writer of the old one, so exchanges the old runtime finishes after the swap are still
 * written, and the writer's counters cover the whole process life.
 */
export function acquireSink(store: Store, options: SinkOptions): SinkLease {
  let entry = sinks.get(store);
  if (entry === undefined) {
    const writer = new BatchWriter<CaptureRecord>(store, {
      name: 'capture',
      logger: options.logger,
      maxBufferedRecords: options.maxBufferedRecords,
      maxBufferedBytes: options.maxBufferedBytes,
      sizeOf: (r) => r.size,
      write: (trx, records) => writeRecords(trx as Transaction<CaptureTables>, records),
    });
    entry = { writer, holders: 0 };
    sinks.set(store, entry);
  }
  entry.holders++;
  const held = entry;
  let released = false;
  return {
    writer: held.writer,
    async release(timeoutMs) {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      if (sinks.get(store) === held) sinks.delete(store);
      await held.writer.close(timeoutMs);
    },
  };
}

export type { BatchWriterStats };
