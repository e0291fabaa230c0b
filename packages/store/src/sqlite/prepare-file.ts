import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreLogger } from '../types.js';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Makes `file` private whatever the umask: the file is created 0600 before SQLite opens it, and an
 * existing file, `-wal` or `-shm` with wider permissions is set to 0600 (and reported). SQLite
 * creates `-wal` and `-shm` with the database file's permissions, so they are 0600 too. A missing
 * directory is created 0700; an existing one is the operator's (usually the data directory, which
 * the gateway reports when it is open to others): it is not changed, as tollgate's rule for the
 * data directory says (docs/configuration.md#data_dir).
 */
export function preparePrivateFile(file: string, log: StoreLogger): void {
  const dir = dirname(file);
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (created !== undefined) chmodSync(dir, PRIVATE_DIR);
  const was = fileMode(file);
  if (was !== undefined && (was & 0o077) !== 0) log.warn({ file, was: was.toString(8) }, 'store file was open to other users; set to 0600');
  const fd = openSync(file, 'a', PRIVATE_FILE);
  try {
    fchmodSync(fd, PRIVATE_FILE);
  } finally {
    closeSync(fd);
  }
  for (const suffix of ['-wal', '-shm']) {
    if (fileMode(file + suffix) !== undefined) chmodSync(file + suffix, PRIVATE_FILE);
  }
}

/** The permission bits of `path`, `undefined` when it does not exist. */
function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
