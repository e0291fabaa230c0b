/**
 * Peak resident memory of a server's process tree (a cluster primary and its workers), from
 * Linux `/proc`: the kernel's high-water mark `VmHWM`, reset before each measured cell by
 * writing `5` to `/proc/<pid>/clear_refs`, plus a sampled `VmRSS` as a fallback where the
 * reset is not allowed. Off Linux every reading is `undefined`.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** @param {number} pid @param {string} field @returns {number | undefined} kB */
function statusKb(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * `pid` and all its descendants.
 * @param {number} pid
 * @returns {number[]}
 */
export function processTree(pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(/** @type {number} */ (out[i])) ?? []));
  return out;
}

/** Measures the peak RSS of a process tree over one interval. */
export class PeakRss {
  /** @type {number[]} */
  #pids = [];
  #reset = false;
  #sampledKb = 0;
  /** @type {NodeJS.Timeout | undefined} */
  #timer;

  /** Starts measuring `pid`'s tree now. @param {number} pid */
  start(pid) {
    this.#pids = processTree(pid);
    this.#reset = true;
    for (const p of this.#pids) {
      try {
        writeFileSync(`/proc/${p}/clear_refs`, '5');
      } catch {
        this.#reset = false;
      }
    }
    this.#sampledKb = 0;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 100);
    this.#timer.unref();
  }

  #sample() {
    let sum = 0;
    for (const p of this.#pids) sum += statusKb(p, 'VmRSS') ?? 0;
    if (sum > this.#sampledKb) this.#sampledKb = sum;
  }

  /** Stops; the peak in MiB (`undefined` when `/proc` is not readable). @returns {number | undefined} */
  stop() {
    clearInterval(this.#timer);
    this.#sample();
    let peakKb = this.#sampledKb;
    if (this.#reset) {
      let hwm = 0;
      for (const p of this.#pids) hwm += statusKb(p, 'VmHWM') ?? 0;
      peakKb = Math.max(peakKb, hwm);
    }
    return peakKb === 0 ? undefined : Math.round((peakKb / 1024) * 10) / 10;
  }
}
