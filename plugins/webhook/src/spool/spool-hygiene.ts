import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMode, mkdirPrivate, tightenPrivate } from '@tollgate/core';
import { HOOK_META_FILE } from './hook-spool.js';
import { ACK_EXT, parseSegmentFileName } from './segment.js';
import { HOOKS_DIR, OWNERS_DIR } from './spool-layout.js';

/** What {@link auditSpool} found. */
export interface SpoolAudit {
  /** Files and directories that other users could read, set to `0600` / `0700`, with their previous mode. */
  readonly tightened: ReadonlyArray<{ readonly path: string; readonly mode: string }>;
  /** Entries that are not part of a spool (left alone, never read): path and why. */
  readonly ignored: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
}

/** True for the name of a file a hook directory holds: a segment, an ack file or `hook.json`. */
export function isSpoolFileName(name: string): boolean {
  return name === HOOK_META_FILE || name.endsWith(ACK_EXT) || parseSegmentFileName(name) !== undefined;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * Checks a spool root before the plugin uses it: creates it `0700`; sets every spool directory
 * and file to `0700` / `0600` when other users could read it (spools written before modes were
 * enforced, or by a process with a wide umask); and lists what does not belong there (a directory
 * where a segment is expected, a stray file), which the spool then never reads. Nothing is
 * deleted.
 */
export async function auditSpool(root: string): Promise<SpoolAudit> {
  const tightened: Array<{ path: string; mode: string }> = [];
  const ignored: Array<{ path: string; reason: string }> = [];
  const tighten = async (path: string): Promise<void> => {
    const mode = await tightenPrivate(path);
    if (mode !== undefined) tightened.push({ path, mode: formatMode(mode) });
  };
  const rootMode = await mkdirPrivate(root, { tighten: true });
  if (rootMode !== undefined) tightened.push({ path: root, mode: formatMode(rootMode) });
  for (const entry of await entries(root)) {
    const path = join(root, entry.name);
    if (entry.name === HOOKS_DIR || entry.name === OWNERS_DIR) {
      if (!entry.isDirectory()) {
        ignored.push({ path, reason: 'not a directory' });
        continue;
      }
      await tighten(path);
      continue;
    }
    ignored.push({ path, reason: 'not part of the spool' });
  }
  for (const entry of await entries(join(root, OWNERS_DIR))) {
    const path = join(root, OWNERS_DIR, entry.name);
    if (entry.isFile() && entry.name.endsWith('.json')) await tighten(path);
    else if (entry.isFile() && entry.name.endsWith('.tmp')) await tighten(path);
    else ignored.push({ path, reason: entry.isFile() ? 'not a process status file' : 'not a file' });
  }
  for (const hook of await entries(join(root, HOOKS_DIR))) {
    const dir = join(root, HOOKS_DIR, hook.name);
    if (!hook.isDirectory()) {
      ignored.push({ path: dir, reason: 'not a hook directory' });
      continue;
    }
    await tighten(dir);
    for (const entry of await entries(dir)) {
      const path = join(dir, entry.name);
      if (!isSpoolFileName(entry.name)) ignored.push({ path, reason: 'not a spool file' });
      else if (!entry.isFile()) ignored.push({ path, reason: 'not a file' });
      else await tighten(path);
    }
  }
  return { tightened, ignored };
}
