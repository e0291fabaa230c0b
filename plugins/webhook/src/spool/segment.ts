import { type FileHandle, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
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
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw err;
  }
  const acked = new Set<number>();
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline is empty or torn
  for (const line of lines) if (/^\d+$/.test(line)) acked.add(Number(line));
  return acked;
}

/** How a segment reports write failures and syncs. */
export interface SegmentOptions {
  /** `fdatasync` after every write batch. */
  readonly syncEveryWrite: boolean;
  /** Called when a write, an ack or a sync fails (the segment is then broken for writes). */
  readonly onError: (err: unknown, what: string) => void;
}

interface QueuedWrite {
  readonly buf: Buffer;
}

/**
 * One append-only spool file owned by one plugin instance, with its ack file. Appends reserve
 * their offset synchronously (so records keep the event order) and are written in batches with
 * positional writes; acks are appended to `<base>.ack` as decimal offsets. Every write goes
 * through the kernel before the next batch, so a killed process loses nothing that was written;
 * `fdatasync` (per policy) only matters for a machine crash.
 */
export class Segment {
  /** Creation-ordered name part (`<time>-<seq>-<creator>`), stable across claims. */
  readonly base: string;
  /** Directory. */
  readonly dir: string;
  /** Bytes reserved (live) or read (claimed). */
  size: number;
  /** Records not yet acknowledged. */
  pending = 0;
  /** True while appends go here. */
  live: boolean;
  /** True after a write failed: nothing more is written here. */
  broken = false;
  readonly #options: SegmentOptions;
  #owner: string;
  #fh: FileHandle | undefined;
  #opening: Promise<FileHandle> | undefined;
  #created: boolean;
  #queue: QueuedWrite[] = [];
  #queueStart = 0;
  #writtenUpTo = 0;
  #writing: Promise<void> | undefined;
  #ackQueue: string[] = [];
  #ackFh: FileHandle | undefined;
  #acking: Promise<void> | undefined;
  #dirty = false;
  #closed = false;

  private constructor(dir: string, base: string, owner: string, live: boolean, size: number, options: SegmentOptions) {
    this.dir = dir;
    this.base = base;
    this.#owner = owner;
    this.live = live;
    this.size = size;
    this.#writtenUpTo = size;
    this.#created = !live;
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

  /** Reserves the next offset for `line` and queues its write; returns the offset. */
  append(line: Buffer): number {
    const offset = this.size;
    this.size += line.length;
    if (this.#queue.length === 0) this.#queueStart = offset;
    this.#queue.push({ buf: line });
    this.#writing ??= this.#drainWrites();
    return offset;
  }

  /** Records that the record at `offset` needs no delivery any more. */
  ack(offset: number): void {
    this.#ackQueue.push(`${offset}\n`);
    this.#acking ??= this.#drainAcks();
  }

  /** Reads `length` bytes at `offset` (waiting for a pending write of them first). */
  async read(offset: number, length: number): Promise<Buffer> {
    while (offset + length > this.#writtenUpTo && this.#writing !== undefined) await this.#writing;
    if (offset + length > this.#writtenUpTo) throw new Error(`spool segment ${this.base}: record at ${offset} was never written`);
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

  /** `fdatasync`s written data (no-op when clean). */
  async sync(): Promise<void> {
    await this.#writing;
    if (!this.#dirty || this.#fh === undefined) return;
    this.#dirty = false;
    try {
      await this.#fh.datasync();
    } catch (err) {
      this.#options.onError(err, 'sync');
    }
  }

  /** Waits for queued writes and acks, optionally syncs, and closes the files. */
  async close(sync: boolean): Promise<void> {
    await this.#writing;
    await this.#acking;
    if (sync) {
      await this.sync();
      await this.#ackFh?.datasync().catch((err: unknown) => this.#options.onError(err, 'sync'));
    }
    this.#closed = true;
    const fh = this.#fh;
    const ackFh = this.#ackFh;
    this.#fh = undefined;
    this.#ackFh = undefined;
    await fh?.close().catch(() => undefined);
    await ackFh?.close().catch(() => undefined);
  }

  /** Closes and deletes the segment and its ack file. */
  async remove(): Promise<void> {
    await this.close(false);
    for (const path of [this.path, this.ackPath]) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') this.#options.onError(err, 'remove');
      });
    }
  }

  async #handle(): Promise<FileHandle> {
    if (this.#fh !== undefined) return this.#fh;
    if (this.#closed) throw new Error(`spool segment ${this.base} is closed`);
    this.#opening ??= (async () => {
      const fh = await open(this.path, this.#created ? 'r+' : 'wx+');
      this.#created = true;
      this.#fh = fh;
      return fh;
    })();
    try {
      return await this.#opening;
    } finally {
      this.#opening = undefined;
    }
  }

  async #drainWrites(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.broken) {
        const batch = this.#queue;
        const start = this.#queueStart;
        this.#queue = [];
        const buf = batch.length === 1 ? (batch[0] as QueuedWrite).buf : Buffer.concat(batch.map((w) => w.buf));
        const fh = await this.#handle();
        let written = 0;
        while (written < buf.length) {
          const { bytesWritten } = await fh.write(buf, written, buf.length - written, start + written);
          written += bytesWritten;
        }
        this.#writtenUpTo = start + buf.length;
        this.#dirty = true;
        if (this.#options.syncEveryWrite) {
          this.#dirty = false;
          await fh.datasync();
        }
      }
    } catch (err) {
      this.broken = true;
      this.#queue = [];
      this.#options.onError(err, 'write');
    } finally {
      this.#writing = undefined;
    }
  }

  async #drainAcks(): Promise<void> {
    try {
      while (this.#ackQueue.length > 0) {
        const text = this.#ackQueue.join('');
        this.#ackQueue = [];
        this.#ackFh ??= await open(this.ackPath, 'a');
        await this.#ackFh.write(text);
      }
    } catch (err) {
      this.#ackQueue = [];
      this.#options.onError(err, 'ack');
    } finally {
      this.#acking = undefined;
    }
  }
}
