import { constants } from 'node:fs';
import { type FileHandle, chmod, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Files and directories that can hold request or response data or secrets (spool segments,
 * stores, the pid file, config files the admin API writes, exported files): created `0600` in
 * `0700` directories whatever the process umask, and tightened when found wider. Every writer of
 * such data goes through these helpers so that the rule lives in one place.
 */

/** Mode of a private file: read and write for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of a private directory: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/** Group and other permission bits: what a private file or directory must not have. */
const WIDER = 0o077;

/**
 * Creates `path` and any missing parents as `0700` directories, whatever the umask (the mode given
 * to `mkdir` is masked by it; every directory this call created is set explicitly). An existing
 * `path` whose mode grants group or other access is tightened to `0700` when `tighten` is true
 * (directories tollgate owns: spool folders); its parents are never changed. Returns the previous
 * mode of `path` when it existed with wider permissions (tightened or not), else `undefined`.
 */
export async function mkdirPrivate(path: string, options: { readonly tighten?: boolean } = {}): Promise<number | undefined> {
  const target = resolve(path);
  const first = await mkdir(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first !== undefined) {
    // Every directory from the first one created down to the target is ours: set its mode.
    const parts = relative(first, target).split(sep).filter((p) => p.length > 0);
    let dir = first;
    await chmod(dir, PRIVATE_DIR_MODE);
    for (const part of parts) {
      dir = `${dir}${sep}${part}`;
      await chmod(dir, PRIVATE_DIR_MODE);
    }
    return undefined;
  }
  const mode = (await stat(target)).mode & 0o777;
  if ((mode & WIDER) === 0) return undefined;
  if (options.tighten === true) await chmod(target, PRIVATE_DIR_MODE);
  return mode;
}

/**
 * Opens a private file (`flags` as for `fs.open`: `'wx+'`, `'a'`, `'r+'`, ...), creating it `0600`
 * whatever the umask; an existing file opened for writing is set to `0600` too.
 */
export async function openPrivate(path: string, flags: string): Promise<FileHandle> {
  const fh = await open(path, flags, PRIVATE_FILE_MODE);
  if (flags !== 'r') {
    try {
      await fh.chmod(PRIVATE_FILE_MODE);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }
  return fh;
}

/** Writes a whole private file (`0600`, replacing its contents), through {@link openPrivate}. */
export async function writeFilePrivate(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await openPrivate(path, 'w');
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/** Appends to a private file (created `0600` when missing). */
export async function appendFilePrivate(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await openPrivate(path, 'a');
  try {
    await fh.appendFile(data);
  } finally {
    await fh.close();
  }
}

/**
 * Replaces a private file atomically: the data goes to a `0600` temporary file beside it, which
 * is then renamed over `path` (readers see the old or the new contents, never a part). With `sync`
 * (the default) the data reaches the disk before the rename, and the rename itself (the directory)
 * after it, so a crash leaves the old file or the new one.
 */
export async function writeFileAtomicPrivate(path: string, data: string | Uint8Array, options: { readonly sync?: boolean } = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE);
    try {
      await fh.chmod(PRIVATE_FILE_MODE);
      await fh.writeFile(data);
      if (options.sync !== false) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (options.sync !== false) {
    const dir = await open(dirname(path), constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * Sets an existing file or directory to the private mode (`0600`, directories `0700`) when it
 * grants group or other access. Returns its previous mode when it was changed, `undefined` when it
 * was private already or is missing. Symbolic links are not followed.
 */
export async function tightenPrivate(path: string): Promise<number | undefined> {
  let mode: number;
  let isDir: boolean;
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return undefined;
    mode = st.mode & 0o777;
    isDir = st.isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if ((mode & WIDER) === 0) return undefined;
  await chmod(path, isDir ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
  return mode;
}

/** A permission mode as `ls` users read it in messages (`0o755` → `"0755"`). */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
