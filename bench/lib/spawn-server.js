/**
 * Starts one server in its own process and waits until it listens. A server reports its port
 * over IPC (`{ ready, port }`) or, for the `tollgate` CLI, in its "listening on" stderr line.
 */
import { spawn } from 'node:child_process';

/**
 * @typedef {object} ServerSpec
 * @property {string} name label in messages
 * @property {string} script JS file to run with this Node
 * @property {string[]} [args] arguments after the script
 * @property {string[]} [execArgv] Node flags (e.g. `--cpu-prof`)
 * @property {Record<string, string>} [env] extra environment
 * @property {string} [cwd] working directory
 * @property {'ipc' | 'stderr'} [ready] how the port is reported (default `ipc`)
 * @property {number} [timeoutMs] start-up timeout (default 30 s)
 */

/**
 * @typedef {object} RunningServer
 * @property {string} name
 * @property {number} pid
 * @property {number} port
 * @property {string} url `http://127.0.0.1:port`
 * @property {() => string} stderrTail last lines the process wrote to stderr
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after a grace period
 */

const LISTENING = /listening on http:\/\/(?:\[[^\]]+\]|[^\s:]+):(\d+)/;

/** Servers still running; killed if this process exits without stopping them (a crash). */
const live = new Set(/** @type {import('node:child_process').ChildProcess[]} */ ([]));
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * @param {ServerSpec} spec
 * @returns {Promise<RunningServer>}
 */
export function startServer(spec) {
  const ready = spec.ready ?? 'ipc';
  const child = spawn(process.execPath, [...(spec.execArgv ?? []), spec.script, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  /** @type {string[]} */
  const tail = [];
  let stderrBuffer = '';
  const stderrTail = () => tail.join('\n');
  let exited = false;
  live.add(child);
  const exitedPromise = new Promise((resolve) => child.once('exit', () => resolve(undefined)));
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exitedPromise;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.name} did not start within ${spec.timeoutMs ?? 30_000} ms\n${stderrTail()}`));
    }, spec.timeoutMs ?? 30_000);
    const done = (/** @type {number} */ port) => {
      clearTimeout(timer);
      resolve({ name: spec.name, pid: /** @type {number} */ (child.pid), port, url: `http://127.0.0.1:${port}`, stderrTail, stop });
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (/** @type {string} */ text) => {
      stderrBuffer += text;
      const lines = stderrBuffer.split('\n');
      stderrBuffer = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        const m = ready === 'stderr' ? LISTENING.exec(line) : null;
        if (m !== null) done(Number(m[1]));
      }
    });
    child.on('message', (/** @type {{ ready?: boolean, port?: number }} */ msg) => {
      if (ready === 'ipc' && msg?.ready === true && typeof msg.port === 'number') done(msg.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited before it listened (code ${code}, signal ${signal})\n${stderrTail()}${stderrBuffer}`));
    });
  });
}
