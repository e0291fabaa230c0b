import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Sub-directory of the spool root holding one status file per gateway process. */
export const OWNERS_DIR = 'owners';

/** Sub-directory of the spool root holding one directory per hook. */
export const HOOKS_DIR = 'hooks';

/**
 * Directory name of a hook's spool: the name itself when it is short and file-name safe,
 * otherwise a readable prefix plus a hash (the real name is kept in `hook.json`).
 */
export function hookDirName(hook: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(hook)) return join(HOOKS_DIR, hook);
  const safe = hook.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32);
  return join(HOOKS_DIR, `${safe}~${createHash('sha256').update(hook).digest('hex').slice(0, 12)}`);
}

/** Path of a process's status file. */
export function ownerFilePath(root: string, host: string, pid: number): string {
  return join(root, OWNERS_DIR, `${host}-${pid}.json`);
}
