import { readFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirPrivate, writeFilePrivate } from '@tollgate/core';

/** Name of the pid file in the data directory: the process `tollgate reload` and `tollgate stop` reach. */
export const PID_FILE = 'tollgate.pid';

/** The pid file of a data directory. */
export function pidFilePath(dataDir: string): string {
  return join(dataDir, PID_FILE);
}

/**
 * Writes `pid` to the data directory's pid file, `0600` whatever the umask (a missing data
 * directory is created `0700`), with core's private-file helpers.
 */
export async function writePidFile(dataDir: string, pid: number = process.pid): Promise<void> {
  await mkdirPrivate(dataDir);
  await writeFilePrivate(pidFilePath(dataDir), `${pid}\n`);
}

/** The pid in the data directory's pid file; `undefined` when there is none (or it is not a pid). */
export async function readPidFile(dataDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes the pid file when it still names `pid` (another gateway may have taken it over since). */
export async function removePidFile(dataDir: string, pid: number = process.pid): Promise<void> {
  if ((await readPidFile(dataDir)) !== pid) return;
  await unlink(pidFilePath(dataDir)).catch(() => undefined);
}

/**
 * True when `pid` is a running tollgate: the process exists and, where `/proc` tells (Linux), its
 * command line mentions tollgate, so that a stale pid file never sends a signal to a process that
 * reused the number.
 */
export function isTollgateProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else (not ours to signal, and not ours to start).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc here: trust the pid file
  }
  return cmdline.includes('tollgate');
}
