import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HookStats } from '../types.js';
import { readSpoolHookName } from './hook-spool.js';
import { type OwnerStatus, processGone, readOwnerStatus } from './process-registry.js';
import { decodeRecords } from './record-codec.js';
import { ACK_EXT, parseSegmentFileName, readAcks } from './segment.js';
import { HOOKS_DIR, OWNERS_DIR } from './spool-layout.js';

/** What the spool holds for one hook, read from disk. */
export interface SpoolHookStatus {
  /** Hook name. */
  readonly name: string;
  /** Its spool directory. */
  readonly dir: string;
  /** Events written and not yet acknowledged (delivered or given up). */
  readonly pendingEvents: number;
  /** Bytes of segment files. */
  readonly bytes: number;
  /** Segment files. */
  readonly segments: number;
  /** Time of the oldest pending event (epoch ms). */
  readonly oldestEventAt?: number;
  /** Lines that failed their checksum (skipped on delivery). */
  readonly corruptRecords: number;
}

/** One gateway process that uses the spool, from its status file. */
export interface SpoolProcessStatus {
  /** Process id. */
  readonly pid: number;
  /** Host name. */
  readonly hostname: string;
  /** False when the process is gone (its segments are taken over by the next process that looks). */
  readonly alive: boolean;
  /** When it started using the spool (epoch ms). */
  readonly startedAt: number;
  /** When it last wrote its status (epoch ms; every 5 s while alive). */
  readonly updatedAt: number;
  /** Its per-hook counters at that time. */
  readonly hooks: Readonly<Record<string, HookStats>>;
}

/** The state of a webhook spool. */
export interface SpoolStatus {
  /** The spool directory. */
  readonly root: string;
  /** Per hook, sorted by name. */
  readonly hooks: readonly SpoolHookStatus[];
  /** Gateway processes with a status file, sorted by pid. */
  readonly processes: readonly SpoolProcessStatus[];
}

/**
 * Reads a webhook spool from disk without changing it: pending events per hook (also of
 * gateways that are not running) and the counters each running gateway process last wrote. For
 * the CLI and for tools; `dir` is the plugin's `spool.dir` (default `webhook`).
 */
export async function readWebhookSpool(dataDir: string, dir = 'webhook'): Promise<SpoolStatus> {
  const root = resolve(dataDir, dir);
  const hooks: SpoolHookStatus[] = [];
  for (const entry of await readdir(join(root, HOOKS_DIR)).catch(() => [] as string[])) {
    const path = join(root, HOOKS_DIR, entry);
    const name = (await readSpoolHookName(path)) ?? entry;
    let pendingEvents = 0;
    let bytes = 0;
    let segments = 0;
    let corruptRecords = 0;
    let oldestEventAt: number | undefined;
    for (const file of (await readdir(path).catch(() => [] as string[])).sort()) {
      const parsed = parseSegmentFileName(file);
      if (parsed === undefined) continue;
      const data = await readFile(join(path, file)).catch(() => undefined);
      if (data === undefined) continue;
      const acked = await readAcks(join(path, `${parsed.base}${ACK_EXT}`));
      const decoded = decodeRecords(data);
      segments++;
      bytes += data.length;
      corruptRecords += decoded.corrupt;
      for (const r of decoded.records) {
        if (acked.has(r.offset)) continue;
        pendingEvents++;
        if (oldestEventAt === undefined || r.meta.ts < oldestEventAt) oldestEventAt = r.meta.ts;
      }
    }
    hooks.push({ name, dir: path, pendingEvents, bytes, segments, corruptRecords, ...(oldestEventAt === undefined ? {} : { oldestEventAt }) });
  }
  const processes: SpoolProcessStatus[] = [];
  for (const file of await readdir(join(root, OWNERS_DIR)).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    const read = await readOwnerStatus(join(root, OWNERS_DIR, file));
    if (read === undefined) continue;
    const s: OwnerStatus = read.status;
    processes.push({ pid: s.pid, hostname: s.hostname, alive: !processGone(s.host, s.pid, s, read.mtimeMs), startedAt: s.startedAt, updatedAt: s.updatedAt, hooks: s.hooks });
  }
  hooks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  processes.sort((a, b) => a.pid - b.pid);
  return { root, hooks, processes };
}
