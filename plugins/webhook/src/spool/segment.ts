import { close as closeFd, fchmodSync, fdatasync, openSync, writeSync } from 'node:fs';
import { type FileHandle, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRIVATE_FILE_MODE, appendFilePrivate, openPrivate, tightenPrivate } from '@tollgate/core';

const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(closeFd);

/**
 * Opens a private file synchronously (`0600` whatever the umask, as core's `openPrivate`): the
 * spool's writer opens a segment's files in the turn of their first write, so that write does not
 * wait for the threadpool.
 */
function openPrivateSync(path: string, flags: string): number {
  const fd = openSync(path, flags, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (err) {
    closeFd(fd, () => undefined);
    throw err;
  }
  return fd;
}
import { type DecodedRecord, decodeRecords } from './record-codec.js';

/** File extension of segment files. */
export const SEGMENT_EXT = '.log';
/** File extension of ack files. */
export const ACK_EXT = '.ack';

/** Segment file name: `<base>@<owner>.log`. */
export function segmentFileName(base: string, owner: string): string {
  return `${base}@${owner}${SEGMENT_EXT}`;
}

/** Splits a segment file name into base and owner tag; `undefined` for other files. */
export function parseSegmentFileName(file: string): { base: string; owner: string } | undefined {
  if (!file.endsWith(SEGMENT_EXT)) return undefined;
  const stem = file.slice(0, -SEGMENT_EXT.length);
  const at = stem.lastIndexOf('@');
  if (at <= 0 || at === stem.length - 1) return undefined;
  return { base: stem.slice(0, at), owner: stem.slice(at + 1) };
}

/** Reads the offsets an ack file lists (a torn last line is ignored). */
export async function readAcks(path: string): Promise<Set<number>> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (err) {
    // Missing: nothing acknowledged yet. A directory in its place (reported by the spool audit)
    // holds no acks either: its segment's records are delivered again rather than lost.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return new Set();
    throw err;
  }
  const acked = new Set<number>();
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline is empty or torn
  for (const line of lines) if (/^\d+$/.test(line)) acked.add(Number(line));
  return acked;
}

/**
 * Writes all of `buf` to `fd` synchronously (at `position`, or appending when it is `undefined`).
 * A write of a few kilobytes into the page cache costs a few microseconds; the same write through
 * the libuv threadpool costs several times that in thread hand-offs, and lets the record wait
 * outside the kernel for a turn of the event loop.
 */
function writeAllSync(fd: number, buf: Buffer, position: number | undefined): void {
  let written = 0;
  while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, position === undefined ? null : position + written);
}

/** How a segment reports write failures and syncs. */
export interface SegmentOptions {
  /** `fdatasync` after every write batch. */
  readonly syncEveryWrite: boolean;
  /** Called when a write, an ack or a sync fails (the segment is then broken for writes). */
  readonly onError: (err: unknown, what: string) => void;
  /**
   * How long appended records may wait before they are written (ms). A record acknowledged
   * within that time (delivered at once, as most are) is never written, nor is its ack. 0: written
   * in the event-loop turn they were appended in.
   * @default 0
   */
  readonly writeDelayMs?: number;
}

/** Where a record of a segment is: appended (waiting), in a write, written, or dropped unwritten. */
export type SpoolRecordState = 'queued' | 'writing' | 'written' | 'cancelled';

/**
 * One record of a segment. Its offset (its key in the ack file) is known once its write batch
 * is formed; until it is written, the line stays in memory.
 */
export class SpoolRecord {
  /** Its segment. */
  readonly segment: Segment;
  /** Length of its line, newline included. */
  readonly length: number;
  /** Offset of the body inside the line. */
  readonly bodyOffset: number;
  /** Offset of its line in the segment file (-1 until its write batch is formed). */
  offset: number;
  /** Where it is. */
  state: SpoolRecordState;
  /** The line, while it is not written. */
  line: Buffer | undefined;

  constructor(segment: Segment, length: number, bodyOffset: number, offset: number, line: Buffer | undefined) {
    this.segment = segment;
    this.length = length;
    this.bodyOffset = bodyOffset;
    this.offset = offset;
    this.line = line;
    this.state = line === undefined ? 'written' : 'queued';
  }
}

/**
 * One append-only spool file owned by one plugin instance, with its ack file. Appended records
 * keep their order; they are written in batches (group commit: everything appended during one
 * turn of the event loop), each with one synchronous positional write into the kernel at the end
 * of that turn (`setImmediate`), or `writeDelayMs` after they were appended. A record
 * acknowledged before its batch is formed is dropped instead (nothing of it reaches the disk):
 * with a receiver that answers at once and a delay, the spool costs no I/O. Acks of written
 * records are appended to `<base>.ack` as decimal offsets, also one write per turn. So a killed
 * process loses nothing that was written: with no delay, only records appended in the turn it
 * died in; `fdatasync` (per policy, asynchronous) only matters for a machine crash.
 */
export class Segment {
  /** Creation-ordered name part (`<time>-<seq>-<creator>`), stable across claims. */
  readonly base: string;
  /** Directory. */
  readonly dir: string;
  /** Bytes held: written, or appended and not dropped (live); read (claimed). */
  size: number;
  /** Records not yet acknowledged. */
  pending = 0;
  /** True while appends go here. */
  live: boolean;
  /** True after a write failed: nothing more is written here. */
  broken = false;
  readonly #options: SegmentOptions;
  #owner: string;
  /** Read handle (opened when a written record is read back). */
  #fh: FileHandle | undefined;
  #opening: Promise<FileHandle> | undefined;
  /** Write descriptor (opened synchronously by the first write). */
  #fd: number | undefined;
  /** True once the segment file exists (claimed, or first written). */
  #created: boolean;
  /** Records appended and not yet in a write batch. */
  #queue: SpoolRecord[] = [];
  /** Offset the next write batch starts at. */
  #fileSize = 0;
  #timer: { readonly kind: 'timeout'; readonly handle: NodeJS.Timeout } | { readonly kind: 'immediate'; readonly handle: NodeJS.Immediate } | undefined;
  #writing: Promise<void> | undefined;
  #ackQueue: string[] = [];
  #ackFd: number | undefined;
  #acking: Promise<void> | undefined;
  #ackTimer: NodeJS.Immediate | undefined;
  #ackCreated: boolean;
  #dirty = false;
  #closed = false;
  #removed = false;

  private constructor(dir: string, base: string, owner: string, live: boolean, size: number, options: SegmentOptions) {
    this.dir = dir;
    this.base = base;
    this.#owner = owner;
    this.live = live;
    this.size = size;
    this.#fileSize = size;
    this.#created = !live;
    // A claimed segment may have an ack file from its previous owner.
    this.#ackCreated = !live;
    this.#options = options;
  }

  /** A new live segment; its file is created with the first write. */
  static create(dir: string, base: string, owner: string, options: SegmentOptions): Segment {
    return new Segment(dir, base, owner, true, 0, options);
  }

  /**
   * Takes over another owner's segment: renames it to `owner` (atomic: of several claimers exactly
   * one wins; the others get `undefined`), then reads its records, leaving out acknowledged ones.
   */
  static async claim(dir: string, file: string, owner: string, options: SegmentOptions): Promise<{ segment: Segment; records: DecodedRecord[]; corrupt: number; torn: boolean } | undefined> {
    const parsed = parseSegmentFileName(file);
    if (parsed === undefined) return undefined;
    const target = join(dir, segmentFileName(parsed.base, owner));
    try {
      await rename(join(dir, file), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    await tightenPrivate(target);
    const data = await readFile(target);
    const acked = await readAcks(join(dir, `${parsed.base}${ACK_EXT}`));
    const decoded = decodeRecords(data);
    const segment = new Segment(dir, parsed.base, owner, false, data.length, options);
    const records = decoded.records.filter((r) => !acked.has(r.offset));
    segment.pending = records.length;
    return { segment, records, corrupt: decoded.corrupt, torn: decoded.torn };
  }

  /** Current path of the segment file. */
  get path(): string {
    return join(this.dir, segmentFileName(this.base, this.#owner));
  }

  /** Path of the ack file. */
  get ackPath(): string {
    return join(this.dir, `${this.base}${ACK_EXT}`);
  }

  /** True when bytes were written since the last sync. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /**
   * Appends `line` (a whole encoded record) after every record appended before; it is written
   * within `writeDelayMs`. `bodyOffset` is where the body starts in the line.
   */
  append(line: Buffer, bodyOffset: number): SpoolRecord {
    const record = new SpoolRecord(this, line.length, bodyOffset, -1, line);
    this.size += line.length;
    this.#queue.push(record);
    this.#schedule();
    return record;
  }

  /**
   * Records that `record` needs no delivery any more: it is dropped if it is still waiting for
   * its write (then `false`: nothing of it reaches the disk), else its offset is appended to the
   * ack file (`true`).
   */
  ack(record: SpoolRecord): boolean {
    if (record.state === 'queued') {
      record.state = 'cancelled';
      record.line = undefined;
      this.size -= record.length;
      return false;
    }
    if (record.state === 'cancelled') return false;
    this.#ackQueue.push(`${record.offset}\n`);
    // Group commit: the acks of one turn of the event loop go out in one write.
    if (this.#acking === undefined && this.#ackTimer === undefined) this.#ackTimer = setImmediate(this.#onAckTimer);
    return true;
  }

  /** The body of `record`: from memory while it is not written, else read back from the file. */
  async readBody(record: SpoolRecord): Promise<Buffer> {
    const line = record.line;
    if (line !== undefined) return line.subarray(record.bodyOffset, record.length - 1);
    if (record.state !== 'written') throw new Error(`spool segment ${this.base}: record was dropped`);
    const buf = await this.read(record.offset, record.length);
    return buf.subarray(record.bodyOffset, record.length - 1);
  }

  /** Reads `length` bytes at `offset` of the file (written records only). */
  async read(offset: number, length: number): Promise<Buffer> {
    const fh = await this.#handle();
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await fh.read(buf, read, length - read, offset + read);
      if (bytesRead === 0) throw new Error(`spool segment ${this.base}: short read at ${offset}`);
      read += bytesRead;
    }
    return buf;
  }

  /** Writes the records waiting for the delay now (and waits for every write). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    while (this.#writing !== undefined || (this.#queue.length > 0 && !this.broken)) await this.#startWrites();
  }

  /** `fdatasync`s written data (no-op when clean). */
  async sync(): Promise<void> {
    await this.#writing;
    if (!this.#dirty || this.#fd === undefined) return;
    this.#dirty = false;
    try {
      await fdatasyncAsync(this.#fd);
    } catch (err) {
      this.#options.onError(err, 'sync');
    }
  }

  /** Writes what waits, waits for acks, optionally syncs, and closes the files. */
  async close(sync: boolean): Promise<void> {
    await this.flush();
    await this.#flushAcks();
    if (sync) {
      await this.sync();
      if (this.#ackFd !== undefined) await fdatasyncAsync(this.#ackFd).catch((err: unknown) => this.#options.onError(err, 'sync'));
    }
    this.#closed = true;
    await this.#opening?.catch(() => undefined);
    await this.#flushAcks(); // an ack that came in meanwhile ends with the handle it started on
    const fh = this.#fh;
    const fd = this.#fd;
    const ackFd = this.#ackFd;
    this.#fh = undefined;
    this.#fd = undefined;
    this.#ackFd = undefined;
    await fh?.close().catch(() => undefined);
    if (fd !== undefined) await closeAsync(fd).catch(() => undefined);
    if (ackFd !== undefined) await closeAsync(ackFd).catch(() => undefined);
  }

  /**
   * Closes and deletes the segment and its ack file. Call it once nothing in it is pending: what
   * still waits for its write is dropped. Files this segment never created are not touched.
   */
  async remove(): Promise<void> {
    this.#removed = true;
    this.#cancelTimer();
    this.#queue = [];
    await this.close(false);
    const paths = [...(this.#created ? [this.path] : []), ...(this.#ackCreated ? [this.ackPath] : [])];
    for (const path of paths) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') this.#options.onError(err, 'remove');
      });
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#writing !== undefined || this.broken) return;
    const delay = this.#options.writeDelayMs ?? 0;
    // In the same turn: every record appended by this turn's callbacks goes in one write.
    if (delay <= 0) this.#timer = { kind: 'immediate', handle: setImmediate(this.#onTimer) };
    else this.#timer = { kind: 'timeout', handle: setTimeout(this.#onTimer, delay).unref() };
  }

  readonly #onAckTimer = (): void => {
    this.#ackTimer = undefined;
    this.#startAcks();
  };

  /** Writes the acks waiting for the end of the turn now; resolves when every ack is written. */
  #flushAcks(): Promise<void> {
    if (this.#ackTimer !== undefined) {
      clearImmediate(this.#ackTimer);
      this.#ackTimer = undefined;
    }
    if (this.#ackQueue.length > 0) this.#startAcks();
    return this.#acking ?? Promise.resolve();
  }

  /**
   * The ack write in progress, or a new one; cleared when it settles, never from inside it (an
   * async function that never awaits finishes before its promise is assigned).
   */
  #startAcks(): void {
    if (this.#acking !== undefined) return;
    const acking: Promise<void> = this.#drainAcks().finally(() => {
      if (this.#acking === acking) this.#acking = undefined;
      if (this.#ackQueue.length > 0 && this.#ackTimer === undefined && !this.#removed) this.#ackTimer = setImmediate(this.#onAckTimer);
    });
    this.#acking = acking;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    void this.#startWrites();
  };

  /**
   * The write in progress, or a new one. `#writing` is cleared when the write settles, never
   * from inside it: an async function that finds nothing to write finishes before its promise is
   * assigned, and would leave a settled promise behind that blocks every later write.
   */
  #startWrites(): Promise<void> {
    if (this.#writing !== undefined) return this.#writing;
    const writing: Promise<void> = this.#drainWrites().finally(() => {
      if (this.#writing === writing) this.#writing = undefined;
      if (this.#queue.length > 0) this.#schedule();
    });
    this.#writing = writing;
    return writing;
  }

  #cancelTimer(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    this.#timer = undefined;
    if (timer.kind === 'timeout') clearTimeout(timer.handle);
    else clearImmediate(timer.handle);
  }

  async #handle(): Promise<FileHandle> {
    if (this.#fh !== undefined) return this.#fh;
    if (this.#closed) throw new Error(`spool segment ${this.base} is closed`);
    this.#opening ??= (async () => {
      // Only written records are read back: the file exists.
      const fh = await openPrivate(this.path, 'r');
      if (this.#closed) {
        // Closed while the file was opening (a read racing a close): do not leak the handle.
        await fh.close().catch(() => undefined);
        throw new Error(`spool segment ${this.base} is closed`);
      }
      this.#fh = fh;
      return fh;
    })();
    try {
      return await this.#opening;
    } finally {
      this.#opening = undefined;
    }
  }

  /** Writes one batch: the records appended and not dropped since the last batch, in order. */
  async #drainWrites(): Promise<void> {
    let batch: SpoolRecord[] = [];
    try {
      for (const record of this.#queue) if (record.state === 'queued') batch.push(record);
      this.#queue = [];
      if (batch.length === 0 || this.broken) return;
      const start = this.#fileSize;
      let offset = start;
      for (const record of batch) {
        record.offset = offset;
        record.state = 'writing';
        offset += record.length;
      }
      this.#fileSize = offset;
      const buf = batch.length === 1 ? ((batch[0] as SpoolRecord).line as Buffer) : Buffer.concat(batch.map((r) => r.line as Buffer), offset - start);
      if (this.#fd === undefined) {
        if (this.#closed) throw new Error(`spool segment ${this.base} is closed`);
        this.#fd = openPrivateSync(this.path, this.#created ? 'r+' : 'wx+');
        this.#created = true;
      }
      const fd = this.#fd;
      writeAllSync(fd, buf, start);
      this.#dirty = true;
      for (const record of batch) {
        record.state = 'written';
        record.line = undefined;
      }
      batch = [];
      if (this.#options.syncEveryWrite) {
        this.#dirty = false;
        await fdatasyncAsync(fd);
      }
    } catch (err) {
      // Unwritten records stay readable from memory; nothing more is written here.
      for (const record of batch) record.state = 'queued';
      this.broken = true;
      this.#options.onError(err, 'write');
    }
  }

  async #drainAcks(): Promise<void> {
    try {
      while (this.#ackQueue.length > 0) {
        const text = this.#ackQueue.join('');
        this.#ackQueue = [];
        if (this.#removed) return; // deleted: nothing left to acknowledge
        this.#ackCreated = true;
        if (this.#closed) {
          // An ack after close (a delivery that outlived shutdown): open, append, close.
          await appendFilePrivate(this.ackPath, text);
          continue;
        }
        this.#ackFd ??= openPrivateSync(this.ackPath, 'a');
        writeAllSync(this.#ackFd, Buffer.from(text, 'latin1'), undefined);
      }
    } catch (err) {
      this.#ackQueue = [];
      this.#options.onError(err, 'ack');
    }
  }
}
