import { crc32 } from 'node:zlib';
import type { PostResponseEvent } from '../types.js';

/** What a spool record says about its delivery besides the body. */
export interface RecordMeta {
  /** Delivery id. */
  readonly id: string;
  /** Event. */
  readonly event: PostResponseEvent;
  /** When the event happened (epoch ms); `max_age` counts from here. */
  readonly ts: number;
}

/** One record read back from a segment. */
export interface DecodedRecord {
  /** Byte offset of the line in the segment (the record's key in the ack file). */
  readonly offset: number;
  /** Length of the whole line, newline included. */
  readonly length: number;
  /** Metadata. */
  readonly meta: RecordMeta;
  /** The exact body bytes to send (a view into the read buffer). */
  readonly body: Buffer;
}

/** Result of {@link decodeRecords}. */
export interface DecodeResult {
  /** Valid records in file order. */
  readonly records: DecodedRecord[];
  /** Complete lines that failed their checksum or did not parse (skipped). */
  readonly corrupt: number;
  /** True when the data ends with an incomplete line (a write cut short by a crash). */
  readonly torn: boolean;
}

const NL = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * Encodes one record as a line: `<crc32 hex> <meta JSON>\t<body JSON>\n`. The checksum covers
 * everything after the space. Neither JSON text can hold a raw tab or newline (`JSON.stringify`
 * escapes control characters), so the separators are unambiguous.
 */
export function encodeRecord(meta: RecordMeta, body: Buffer): Buffer {
  const head = `${JSON.stringify({ id: meta.id, event: meta.event, ts: meta.ts })}\t`;
  // One buffer for the whole line: checksum (filled in last), head, body, newline.
  const headLength = Buffer.byteLength(head);
  const line = Buffer.allocUnsafe(9 + headLength + body.length + 1);
  line.write(head, 9, 'utf8');
  body.copy(line, 9 + headLength);
  line[line.length - 1] = NL;
  line.write(`${hex8(crc32(line.subarray(9, line.length - 1)))} `, 0, 'latin1');
  return line;
}

function isMeta(value: unknown): value is RecordMeta {
  const v = value as Partial<RecordMeta> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && (v.event === 'entire_request' || v.event === 'tool_call_entire_request') && typeof v.ts === 'number';
}

/** Decodes every complete, intact line of a segment's bytes. */
export function decodeRecords(data: Buffer): DecodeResult {
  const records: DecodedRecord[] = [];
  let corrupt = 0;
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf(NL, pos);
    if (end === -1) return { records, corrupt, torn: true };
    const record = decodeLine(data, pos, end);
    if (record === undefined) corrupt++;
    else records.push(record);
    pos = end + 1;
  }
  return { records, corrupt, torn: false };
}

function decodeLine(data: Buffer, start: number, end: number): DecodedRecord | undefined {
  if (end - start < 10 || data[start + 8] !== SPACE) return undefined;
  const expected = Number.parseInt(data.toString('latin1', start, start + 8), 16);
  const payloadStart = start + 9;
  if (Number.isNaN(expected) || crc32(data.subarray(payloadStart, end)) !== expected) return undefined;
  const tab = data.indexOf(TAB, payloadStart);
  if (tab === -1 || tab >= end) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(data.toString('utf8', payloadStart, tab));
  } catch {
    return undefined;
  }
  if (!isMeta(meta)) return undefined;
  return { offset: start, length: end + 1 - start, meta, body: data.subarray(tab + 1, end) };
}
