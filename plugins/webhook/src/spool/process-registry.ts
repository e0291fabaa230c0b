import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { type HookGauges, HookCounters } from '../counters.js';
import type { HookStats } from '../types.js';
import { parseOwnerTag, pidAlive, processIdentity } from './process-identity.js';
import { ownerFilePath } from './spool-layout.js';

/** How often a process rewrites its status file and looks for segments to take over (ms). */
export const HEARTBEAT_MS = 5_000;

/** A status file not rewritten for this long belongs to a process that is gone (ms). */
export const STALE_OWNER_MS = 60_000;

/** A plugin instance registered on a spool root. */
export interface RootMember {
  /** Its owner tag (`<host>-<pid>-<instance>`). */
  readonly ownerTag: string;
  /** True when it writes to disk. */
  readonly persistent: boolean;
  /** Its gauges, per hook. */
  gauges(): ReadonlyMap<string, HookGauges>;
  /** Asks it to look for segments to take over (in the background). */
  claimSoon(): void;
}

/** What a process writes to `owners/<host>-<pid>.json`. */
export interface OwnerStatus {
  /** Process id. */
  readonly pid: number;
  /** Host name. */
  readonly hostname: string;
  /** Host hash (as in owner tags). */
  readonly host: string;
  /** Boot id (Linux), or `""`. */
  readonly boot: string;
  /** When the process joined (epoch ms). */
  readonly startedAt: number;
  /** When this file was written (epoch ms). */
  readonly updatedAt: number;
  /** Per-hook stats of the process. */
  readonly hooks: Readonly<Record<string, HookStats>>;
}

/** The process-wide state of one spool root (shared by the plugin instances of successive reloads). */
export class SpoolRoot {
  /** The root directory. */
  readonly root: string;
  /** Members, oldest first. */
  readonly members = new Set<RootMember>();
  readonly #counters = new Map<string, HookCounters>();
  readonly #startedAt = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(root: string) {
    this.root = root;
  }

  /** The process-wide counters of a hook (created on first use). */
  counters(hook: string): HookCounters {
    let c = this.#counters.get(hook);
    if (c === undefined) {
      c = new HookCounters();
      this.#counters.set(hook, c);
    }
    return c;
  }

  /** Stats of every hook: the shared counters plus the gauges of every member. */
  stats(): Record<string, HookStats> {
    const out: Record<string, HookStats> = {};
    const gauges = new Map<string, { queueDepth: number; inFlight: number; spoolBytes: number }>();
    for (const member of this.members) {
      for (const [hook, g] of member.gauges()) {
        const sum = gauges.get(hook) ?? { queueDepth: 0, inFlight: 0, spoolBytes: 0 };
        sum.queueDepth += g.queueDepth;
        sum.inFlight += g.inFlight;
        sum.spoolBytes += g.spoolBytes;
        gauges.set(hook, sum);
      }
    }
    for (const hook of new Set([...this.#counters.keys(), ...gauges.keys()])) {
      out[hook] = this.counters(hook).snapshot(gauges.get(hook) ?? { queueDepth: 0, inFlight: 0, spoolBytes: 0 });
    }
    return out;
  }

  /** Adds a member; a persistent one makes sure this process's status file exists first. */
  async join(member: RootMember): Promise<void> {
    this.members.add(member);
    liveOwnerTags.add(member.ownerTag);
    if (member.persistent) {
      await this.writeStatus();
      this.#heartbeat ??= setInterval(() => this.#beat(), HEARTBEAT_MS).unref();
    }
  }

  /**
   * Removes a member: its segments become claimable by this process's other members (told at
   * once) and, once no member is left, by other processes (the status file is deleted).
   */
  async leave(member: RootMember): Promise<void> {
    this.members.delete(member);
    liveOwnerTags.delete(member.ownerTag);
    const persistent = [...this.members].filter((m) => m.persistent);
    if (persistent.length === 0) {
      if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
      if (member.persistent) {
        await this.#writing;
        const { host, pid } = processIdentity();
        await unlink(ownerFilePath(this.root, host, pid)).catch(() => undefined);
      }
    }
    for (const m of persistent) m.claimSoon();
    if (this.members.size === 0) roots.delete(this.root);
  }

  /** Writes this process's status file (atomically: a temporary file renamed over it). */
  writeStatus(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const id = processIdentity();
      const path = ownerFilePath(this.root, id.host, id.pid);
      const status: OwnerStatus = { pid: id.pid, hostname: hostname(), host: id.host, boot: id.boot, startedAt: this.#startedAt, updatedAt: Date.now(), hooks: this.stats() };
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(status)}\n`);
      await rename(tmp, path);
    });
    return this.#writing;
  }

  #beat(): void {
    this.writeStatus().catch(() => undefined);
    for (const m of this.members) if (m.persistent) m.claimSoon();
  }
}

const roots = new Map<string, SpoolRoot>();
const liveOwnerTags = new Set<string>();

/** The process-wide {@link SpoolRoot} of a directory. */
export function spoolRoot(root: string): SpoolRoot {
  let r = roots.get(root);
  if (r === undefined) {
    r = new SpoolRoot(root);
    roots.set(root, r);
  }
  return r;
}

/** The {@link SpoolRoot} of a directory if this process has one. */
export function existingSpoolRoot(root: string): SpoolRoot | undefined {
  return roots.get(root);
}

/** Reads a process status file; `undefined` when missing or unreadable. */
export async function readOwnerStatus(path: string): Promise<{ status: OwnerStatus; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { status: JSON.parse(text) as OwnerStatus, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * True when the process a status file describes is gone: the file was not rewritten for
 * {@link STALE_OWNER_MS}, or (same host) it is from another boot or its pid no longer runs.
 */
export function processGone(host: string, pid: number, status: Pick<OwnerStatus, 'boot'>, mtimeMs: number, now: number = Date.now()): boolean {
  const me = processIdentity();
  if (host === me.host && pid === me.pid) return false;
  if (now - mtimeMs > STALE_OWNER_MS) return true;
  if (host !== me.host) return false;
  return (status.boot !== '' && me.boot !== '' && status.boot !== me.boot) || !pidAlive(pid);
}

/**
 * Decides whether the owner of a segment is gone, so its segments may be taken over:
 * - an instance of this process: gone once it left its root;
 * - another process: gone when its status file is missing (it shut down), older than
 *   {@link STALE_OWNER_MS}, from another boot, or names a pid that no longer runs on this host.
 * Memoizes per call of the returned function's creator (one claim pass).
 */
export function ownerGoneCheck(root: string, now: number = Date.now()): (owner: string) => Promise<boolean> {
  const memo = new Map<string, Promise<boolean>>();
  const me = processIdentity();
  return (owner) => {
    const tag = parseOwnerTag(owner);
    if (tag === undefined) return Promise.resolve(true);
    if (tag.host === me.host && tag.pid === me.pid) return Promise.resolve(!liveOwnerTags.has(owner));
    const key = `${tag.host}-${tag.pid}`;
    let result = memo.get(key);
    if (result === undefined) {
      result = (async () => {
        const path = ownerFilePath(root, tag.host, tag.pid);
        const file = await readOwnerStatus(path);
        if (file === undefined) return true;
        const gone = processGone(tag.host, tag.pid, file.status, file.mtimeMs, now);
        // The status file of a process that is gone only misleads readers; gone owners stay gone without it.
        if (gone) await unlink(path).catch(() => undefined);
        return gone;
      })();
      memo.set(key, result);
    }
    return result;
  };
}
