import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who this process is, for spool ownership. */
export interface ProcessIdentity {
  /** First 8 hex digits of the SHA-256 of the host name (file-name safe). */
  readonly host: string;
  /** Process id. */
  readonly pid: number;
  /** Linux boot id (`/proc/sys/kernel/random/boot_id`), `""` elsewhere: a pid from an earlier boot is not this one. */
  readonly boot: string;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

let current: ProcessIdentity | undefined;

/** This process's identity (computed once). */
export function processIdentity(): ProcessIdentity {
  current ??= Object.freeze({ host: createHash('sha256').update(hostname()).digest('hex').slice(0, 8), pid: process.pid, boot: readBootId() });
  return current;
}

/** A fresh owner tag for one plugin instance: `<host>-<pid>-<random>`. */
export function newOwnerTag(identity: ProcessIdentity = processIdentity()): string {
  return `${identity.host}-${identity.pid}-${randomBytes(4).toString('hex')}`;
}

/** An owner tag's parts. */
export interface OwnerTag {
  /** Host hash. */
  readonly host: string;
  /** Process id. */
  readonly pid: number;
  /** Instance part. */
  readonly instance: string;
}

/** Parses `<host>-<pid>-<instance>`; `undefined` when malformed. */
export function parseOwnerTag(tag: string): OwnerTag | undefined {
  const m = /^([0-9a-f]{8})-(\d+)-([0-9a-f]+)$/.exec(tag);
  return m === null ? undefined : { host: m[1] as string, pid: Number(m[2]), instance: m[3] as string };
}

/** True when a process with this pid exists on this host (EPERM counts as existing). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
