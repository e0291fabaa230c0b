import { BatchWriter, type BatchWriterStats, type Store, type StoreLogger, type Transaction } from '@tollgate/store';
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

/** Inserts `rows` in statements of at most {@link ROWS_PER_INSERT}. */
async function insertChunked<T extends keyof CaptureTables>(trx: Transaction<CaptureTables>, table: T, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx.insertInto(table).values(rows.slice(i, i + ROWS_PER_INSERT) as never).execute();
  }
}

/** Writes one batch of records in one transaction: exchanges (their ids back), then tool calls and payloads. */
export async function writeRecords(trx: Transaction<CaptureTables>, records: readonly CaptureRecord[]): Promise<void> {
  const ids = new Map<string, number>();
  for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
    const chunk = records.slice(i, i + ROWS_PER_INSERT);
    const inserted = await trx
      .insertInto('capture_exchanges')
      .values(chunk.map((r) => r.exchange))
      .returning(['id', 'request_id'])
      .execute();
    for (const row of inserted) ids.set(row.request_id, row.id);
  }
  const tools: object[] = [];
  const payloads: object[] = [];
  for (const r of records) {
    const id = ids.get(r.exchange.request_id);
    if (id === undefined) throw new Error(`capture: no id came back for request ${r.exchange.request_id}`);
    for (const t of r.tools) tools.push({ exchange_id: id, ...t });
    if (r.payload !== undefined) payloads.push({ exchange_id: id, ...r.payload });
  }
  await insertChunked(trx, 'capture_tool_calls', tools);
  await insertChunked(trx, 'capture_payloads', payloads);
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
