import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreLogger } from '../types.js';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Makes `file` private whatever the umask: its directory is created 0700 (or tightened to
 * 0700 when it lets others in), the file is created 0600 before SQLite opens it, and an
 * existing file, `-wal` or `-shm` is set to 0600. SQLite creates `-wal` and `-shm` with the
 * database file's permissions, so they are 0600 too.
 */
export function preparePrivateFile(file: string, log: StoreLogger): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const mode = statSync(dir).mode & 0o777;
  if (mode !== PRIVATE_DIR) {
    chmodSync(dir, PRIVATE_DIR);
    if ((mode & 0o077) !== 0) log.warn({ dir, was: mode.toString(8) }, 'store directory was open to other users; set to 0700');
  }
  const fd = openSync(file, 'a', PRIVATE_FILE);
  try {
    fchmodSync(fd, PRIVATE_FILE);
  } finally {
    closeSync(fd);
  }
  for (const suffix of ['-wal', '-shm']) {
    try {
      chmodSync(file + suffix, PRIVATE_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
