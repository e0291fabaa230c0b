/**
 * CPU time a server's process tree spends, from Linux `/proc/<pid>/stat` (user + system). Per
 * request, it measures what a configuration costs far more steadily than throughput does on a
 * machine shared with other work: contention stretches wall time, not CPU time.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree } from './process-memory.js';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep Linux's usual 100
}

/** @param {number} pid @returns {number} ms of CPU, 0 when unreadable */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime field 14, stime field 15 (1-based, man proc).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** Measures the CPU time of a process tree over one interval. */
export class CpuTime {
  /** @type {number[]} */
  #pids = [];
  #startMs = 0;

  /** @param {number} pid */
  start(pid) {
    this.#pids = processTree(pid);
    this.#startMs = this.#pids.reduce((sum, p) => sum + cpuMsOf(p), 0);
  }

  /** CPU milliseconds spent since `start`, or `undefined` when `/proc` is unreadable. @returns {number | undefined} */
  stop() {
    const end = this.#pids.reduce((sum, p) => sum + cpuMsOf(p), 0);
    return end === 0 ? undefined : end - this.#startMs;
  }
}
