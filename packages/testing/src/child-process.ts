import { type ChildProcess, spawn } from 'node:child_process';

/** How a process ended. */
export interface ProcessExit {
  /** Exit code (`null` when a signal ended it). */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout. */
  readonly stdout: string;
  /** Everything it wrote to stderr. */
  readonly stderr: string;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** Working directory (default: the test's). */
  readonly cwd?: string;
  /** Variables added to (or, when `undefined`, removed from) the test's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Which output {@link ProcessHandle.waitFor} searches. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * A command a test runs, e.g. `tollgate start` or `npm test` as a README says. It runs in its own
 * process group, so {@link ProcessHandle.stop} also ends what it started (npm → sh → node).
 */
export class ProcessHandle {
  /** stdout so far. */
  stdout = '';
  /** stderr so far. */
  stderr = '';
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<ProcessExit>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();
  #done = false;

  constructor(command: string, args: readonly string[], options: StartProcessOptions = {}) {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    this.#child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.#child.stdout?.setEncoding('utf8').on('data', (c: string) => this.#append('stdout', c));
    this.#child.stderr?.setEncoding('utf8').on('data', (c: string) => this.#append('stderr', c));
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (err) => {
        this.stderr += `\n[spawn error] ${err.message}\n`;
        this.#done = true;
        this.#notify();
        resolve({ code: null, signal: null, stdout: this.stdout, stderr: this.stderr });
      });
      this.#child.once('close', (code, signal) => {
        this.#done = true;
        this.#notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** The process id (of the group leader). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True once the process has exited. */
  get done(): boolean {
    return this.#done;
  }

  #append(stream: OutputStream, chunk: string): void {
    this[stream] += chunk;
    this.#notify();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /**
   * Resolves with the first match of `re` in `stream` (from character `from` on); rejects when the
   * process exits first or after `timeoutMs` (default 15 s), with the output in the message.
   */
  waitFor(re: RegExp, stream: OutputStream = 'stderr', options: { from?: number; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const { from = 0, timeoutMs = 15_000 } = options;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = this[stream].slice(from).match(re);
        if (m !== null) finish(() => resolve(m));
        else if (this.#done) finish(() => reject(new Error(`process exited before ${re} appeared on ${stream}\n${this.describe()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${re} did not appear on ${stream} within ${timeoutMs} ms\n${this.describe()}`))), timeoutMs);
      const finish = (fn: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        fn();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends a signal to the process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.#done || this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** Ends the process group: `signal` (default SIGTERM), then SIGKILL after `graceMs` (default 5 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ProcessExit> {
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // Children that ignored the signal (or outlived their parent) go too.
    this.signal('SIGKILL');
    return exit;
  }

  /** The output so far, for assertion messages. */
  describe(): string {
    return `--- stdout ---\n${this.stdout.slice(-4000)}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }
}

/** Starts `command args` in its own process group, capturing its output. */
export function startProcess(command: string, args: readonly string[], options: StartProcessOptions = {}): ProcessHandle {
  return new ProcessHandle(command, args, options);
}

/** Runs `command args` to completion (ended after `timeoutMs`, default 60 s). */
export async function runProcess(command: string, args: readonly string[], options: StartProcessOptions & { timeoutMs?: number } = {}): Promise<ProcessExit> {
  const handle = new ProcessHandle(command, args, options);
  const timer = setTimeout(() => handle.signal('SIGKILL'), options.timeoutMs ?? 60_000);
  const exit = await handle.exited;
  clearTimeout(timer);
  return exit;
}
