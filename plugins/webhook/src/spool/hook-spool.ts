import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirPrivate, writeFilePrivate } from '@tollgate/core';
import type { DecodedRecord, RecordMeta } from './record-codec.js';
import { encodeRecord } from './record-codec.js';
import { ACK_EXT, Segment, SpoolRecord, parseSegmentFileName } from './segment.js';
import { hookDirName } from './spool-layout.js';

/** Where a spooled record lives (see {@link SpoolRecord}). */
export type SpoolRef = SpoolRecord;

/** A record taken over from another owner. */
export interface ClaimedRecord {
  /** Where it lives now. */
  readonly ref: SpoolRef;
  /** What it is. */
  readonly record: DecodedRecord;
}

/** Limits and policies of a {@link HookSpool}. */
export interface HookSpoolOptions {
  /** Roll to a new segment beyond this size. */
  readonly segmentBytes: number;
  /** Refuse appends beyond this many bytes held. */
  readonly maxBytes: number;
  /** `fdatasync` after every write batch. */
  readonly syncEveryWrite: boolean;
  /**
   * How long an appended record may wait before it is written (ms; see `Segment`): a record
   * acknowledged sooner is never written. 0: written in the event-loop turn it was appended in.
   * @default 0
   */
  readonly writeDelayMs?: number;
  /** Reports I/O failures. */
  readonly onError: (err: unknown, what: string) => void;
  /** Reports claimed segments with corrupt or torn lines. */
  readonly onDamage: (file: string, corrupt: number, torn: boolean) => void;
}

/** Name of the file recording the hook name of a spool directory. */
export const HOOK_META_FILE = 'hook.json';

/** The hook name a spool directory records; `undefined` when missing or unreadable. */
export async function readSpoolHookName(dir: string): Promise<string | undefined> {
  try {
    const name = (JSON.parse(await readFile(join(dir, HOOK_META_FILE), 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One hook's spool for one plugin instance: the live segment it appends to, the segments it
 * claimed from owners that are gone, the byte cap, and ack bookkeeping (a segment is deleted
 * once it is sealed and every record in it is acknowledged).
 */
export class HookSpool {
  /** Hook name. */
  readonly hook: string;
  /** Directory of this hook's segments. */
  readonly dir: string;
  readonly #owner: string;
  readonly #options: HookSpoolOptions;
  readonly #segments = new Set<Segment>();
  readonly #removing = new Set<Promise<void>>();
  #live: Segment | undefined;
  #seq = 0;
  #bytes = 0;

  constructor(root: string, hook: string, owner: string, options: HookSpoolOptions) {
    this.hook = hook;
    this.dir = join(root, hookDirName(hook));
    this.#owner = owner;
    this.#options = options;
  }

  /** Creates the directory (`0700`) and its `hook.json` (`0600`). */
  async open(): Promise<void> {
    await mkdirPrivate(this.dir, { tighten: true });
    if ((await readSpoolHookName(this.dir)) !== undefined) return;
    try {
      await writeFilePrivate(join(this.dir, HOOK_META_FILE), `${JSON.stringify({ name: this.hook })}\n`);
    } catch (err) {
      // Only tools read it (`hooks status`, the orphan warning): a stray entry in its place is reported, not fatal.
      this.#options.onError(err, `writing ${HOOK_META_FILE}`);
    }
  }

  /** Bytes held in this instance's segments of the hook. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Segments held (live and claimed). */
  get segments(): ReadonlySet<Segment> {
    return this.#segments;
  }

  /** Appends a record; `undefined` when the cap would be exceeded (the caller drops the event). */
  append(meta: RecordMeta, body: Buffer): SpoolRef | undefined {
    const line = encodeRecord(meta, body);
    if (this.#bytes + line.length > this.#options.maxBytes) return undefined;
    let live = this.#live;
    if (live === undefined || live.broken || (live.size > 0 && live.size + line.length > this.#options.segmentBytes)) {
      if (live !== undefined) this.#seal(live);
      live = this.#newSegment();
    }
    const ref = live.append(line, line.length - body.length - 1);
    live.pending++;
    this.#bytes += line.length;
    return ref;
  }

  /**
   * Marks a record delivered (or given up): drops it if it was not written yet, else acknowledges
   * it in the ack file; deletes its segment when nothing in it is left.
   */
  ack(ref: SpoolRef): void {
    if (ref.state === 'cancelled') return;
    const segment = ref.segment;
    if (!segment.ack(ref)) this.#bytes -= ref.length;
    segment.pending--;
    if (!segment.live && segment.pending === 0) this.#drop(segment);
  }

  /** A record's body: from memory until it is written, then read back from disk. */
  readBody(ref: SpoolRef): Promise<Buffer> {
    return ref.segment.readBody(ref);
  }

  /**
   * Claims every segment of this hook whose owner `isGone`, oldest first, and returns their
   * unacknowledged records in order. Claimed segments count towards the cap, but are never
   * refused: data already on disk is not dropped.
   */
  async claim(isGone: (owner: string) => Promise<boolean>): Promise<ClaimedRecord[]> {
    // Only regular files: a directory or other entry named like a segment is not one (the spool
    // audit at start-up reports it); it must not stop the claim, nor start-up.
    const all = (await readdir(this.dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    const files = all.filter((f) => parseSegmentFileName(f) !== undefined).sort();
    // An ack file without its segment, whose creator is gone, was left by a removal cut short.
    const bases = new Set(files.map((f) => (parseSegmentFileName(f) as { base: string }).base));
    for (const f of all) {
      const base = f.endsWith(ACK_EXT) ? f.slice(0, -ACK_EXT.length) : undefined;
      const creator = base === undefined ? undefined : /^\d+-\d+-(.+)$/.exec(base)?.[1];
      if (base === undefined || creator === undefined || bases.has(base) || creator === this.#owner || !(await isGone(creator))) continue;
      await unlink(join(this.dir, f)).catch(() => undefined);
    }
    const out: ClaimedRecord[] = [];
    for (const file of files) {
      const { owner } = parseSegmentFileName(file) as { base: string; owner: string };
      if (owner === this.#owner || !(await isGone(owner))) continue;
      let claimed: Awaited<ReturnType<typeof Segment.claim>>;
      try {
        claimed = await Segment.claim(this.dir, file, this.#owner, { syncEveryWrite: false, onError: this.#options.onError });
      } catch (err) {
        this.#options.onError(err, `claim of ${file}`);
        continue;
      }
      if (claimed === undefined) continue;
      if (claimed.corrupt > 0 || claimed.torn) this.#options.onDamage(file, claimed.corrupt, claimed.torn);
      const segment = claimed.segment;
      if (segment.pending === 0) {
        await segment.remove();
        continue;
      }
      this.#segments.add(segment);
      this.#bytes += segment.size;
      for (const record of claimed.records) {
        out.push({ ref: new SpoolRecord(segment, record.length, record.length - 1 - record.body.length, record.offset, undefined), record });
      }
    }
    return out;
  }

  /** `fdatasync`s every segment written since the last sync. */
  async sync(): Promise<void> {
    await Promise.all([...this.#segments].filter((s) => s.dirty).map((s) => s.sync()));
  }

  /**
   * Seals the live segment and closes every file: segments with nothing pending are deleted, the
   * rest stay for the next owner.
   */
  async close(sync: boolean): Promise<void> {
    if (this.#live !== undefined) this.#seal(this.#live);
    this.#live = undefined;
    await Promise.all([...this.#segments].map((s) => (s.pending === 0 ? s.remove() : s.close(sync))));
    this.#segments.clear();
    await Promise.all([...this.#removing]);
  }

  #newSegment(): Segment {
    const base = `${String(Date.now()).padStart(15, '0')}-${String(++this.#seq).padStart(6, '0')}-${this.#owner}`;
    const segment = Segment.create(this.dir, base, this.#owner, { syncEveryWrite: this.#options.syncEveryWrite, onError: this.#options.onError, writeDelayMs: this.#options.writeDelayMs });
    this.#segments.add(segment);
    this.#live = segment;
    return segment;
  }

  #seal(segment: Segment): void {
    segment.live = false;
    if (this.#live === segment) this.#live = undefined;
    if (segment.pending === 0) this.#drop(segment);
  }

  #drop(segment: Segment): void {
    if (!this.#segments.delete(segment)) return;
    this.#bytes -= segment.size;
    const removing = segment
      .remove()
      .catch((err: unknown) => this.#options.onError(err, 'remove'))
      .finally(() => this.#removing.delete(removing));
    this.#removing.add(removing);
  }
}
