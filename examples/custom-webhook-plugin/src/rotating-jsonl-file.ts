import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** When and how a JSONL file rotates. */
export interface RotationOptions {
  /** Rotate before a line would make the file larger than this (a longer line gets a file of its own). */
  readonly maxBytes: number;
  /** Rotated files kept (`audit.1.jsonl` newest ... `audit.<keep>.jsonl`); older ones are deleted. 0 keeps none. */
  readonly keep: number;
  /** Also rotate when the UTC date changes. */
  readonly daily: boolean;
}

/** Time source (tests move it). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const ignoreMissing = (err: unknown): void => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
};

/**
 * An append-only JSONL file with rotation by size and, optionally, by UTC date. Appends are
 * serialized (one `write` per line on a file opened for appending), so lines never interleave;
 * on rotation `audit.jsonl` becomes `audit.1.jsonl`, earlier rotations shift up by one, and
 * those beyond `keep` are deleted. The file is opened on the first append and its size and date
 * are read from disk, so limits hold across restarts.
 */
export class RotatingJsonlFile {
  /** The file appended to. */
  readonly path: string;
  #options: RotationOptions;
  readonly #clock: Clock;
  #handle: FileHandle | undefined;
  #size = 0;
  #day = '';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: RotationOptions, clock: Clock = { now: () => Date.now() }) {
    this.path = path;
    this.#options = options;
    this.#clock = clock;
  }

  /** Changes the limits (taking effect from the next append). */
  configure(options: RotationOptions): void {
    this.#options = options;
  }

  /** The name of the `n`th rotated file: `audit.jsonl` → `audit.<n>.jsonl`. */
  rotatedPath(n: number): string {
    const ext = extname(this.path);
    return `${this.path.slice(0, this.path.length - ext.length)}.${n}${ext}`;
  }

  /** Appends one line (a newline is added when missing); resolves once it is written. */
  append(line: string): Promise<void> {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    const next = this.#queue.then(() => this.#write(text));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    const today = utcDay(this.#clock.now());
    if (this.#handle === undefined) await this.#open(today);
    const tooBig = this.#size + bytes > this.#options.maxBytes;
    const newDay = this.#options.daily && this.#day !== today;
    if (this.#size > 0 && (tooBig || newDay)) await this.#rotate(today);
    await (this.#handle as FileHandle).write(text);
    this.#size += bytes;
  }

  async #open(today: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.#handle = await open(this.path, 'a');
    const stat = await this.#handle.stat();
    this.#size = stat.size;
    this.#day = stat.size > 0 ? utcDay(stat.mtimeMs) : today;
  }

  async #rotate(today: string): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
    const { keep } = this.#options;
    if (keep === 0) await unlink(this.path).catch(ignoreMissing);
    else {
      await unlink(this.rotatedPath(keep)).catch(ignoreMissing);
      for (let n = keep - 1; n >= 1; n--) await rename(this.rotatedPath(n), this.rotatedPath(n + 1)).catch(ignoreMissing);
      await rename(this.path, this.rotatedPath(1));
    }
    await this.#prune();
    await this.#open(today);
  }

  /** Deletes rotated files numbered beyond `keep` (left over when `keep` was lowered). */
  async #prune(): Promise<void> {
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)${ext.replace('.', '\\.')}$`);
    for (const name of await readdir(dirname(this.path))) {
      const n = Number(pattern.exec(name)?.[1] ?? 0);
      if (n > this.#options.keep) await unlink(join(dirname(this.path), name)).catch(ignoreMissing);
    }
  }
}
