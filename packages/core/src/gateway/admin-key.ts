import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../fs/private-fs.js';

/** Name of the file in the data directory that holds the admin API's redaction key. */
export const ADMIN_KEY_FILE = 'admin.key';

/**
 * The key the admin config API derives its redaction placeholders from: 32 random bytes kept in
 * the data directory (0600), so that every gateway process on this data directory (`--workers`,
 * restarts) shows a secret under the same placeholder. The first process to start writes it; the
 * file appears whole (written aside, then hard-linked into place, which never replaces one another
 * process put there first).
 */
export function adminKey(dataDir: string): Buffer {
  const file = join(dataDir, ADMIN_KEY_FILE);
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(aside, randomBytes(32), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // never written, or already gone
    }
  }
  return readFileSync(file);
}
