import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Set to `1` (CI does) to make a missing PostgreSQL fail {@link startPostgresCluster} instead of returning undefined. */
export const REQUIRE_POSTGRES_ENV = 'TOLLGATE_REQUIRE_POSTGRES';

/** A throw-away PostgreSQL server on 127.0.0.1, for tests. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication, no password). */
  readonly url: string;
  /** The TCP port; kept across {@link stop} / {@link start}. */
  readonly port: number;
  /** The temporary directory holding the cluster's data, socket and log. */
  readonly dir: string;
  /** Stops the server (`pg_ctl stop -m fast`: connections are closed); {@link start} brings it back. */
  stop(): Promise<void>;
  /** Starts a stopped (or killed) server again on the same port, with the same data. */
  start(): Promise<void>;
  /** {@link stop}, then {@link start}. */
  restart(): Promise<void>;
  /** Ends the server abruptly (`pg_ctl stop -m immediate`, as a crash); {@link start} recovers it. */
  kill(): Promise<void>;
  /** Stops the server and deletes its directory (also done for every cluster left when the process exits). */
  destroy(): Promise<void>;
}

/** Options of {@link startPostgresCluster}. */
export interface PostgresClusterOptions {
  /**
   * The database created for the test.
   * @default 'tollgate'
   */
  readonly database?: string;
}

const live = new Set<{ dir: string; pgCtl: string[]; data: string }>();
let exitHookInstalled = false;

/**
 * Finds the PostgreSQL server programs: the newest `/usr/lib/postgresql/<version>/bin` (Debian,
 * Ubuntu), else `initdb` on `PATH`. Returns the directory, or undefined when not installed.
 */
export function findPostgresBin(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

/**
 * Creates and starts a PostgreSQL cluster in a fresh temporary directory, listening on a free
 * port of 127.0.0.1 with its socket in that directory, and creates a database in it. As root
 * it runs the server programs as the `postgres` user (`runuser -u postgres --`), since
 * PostgreSQL refuses to run as root. `fsync` is off (a crash of the machine, not of the server, may lose data): test data only.
 *
 * Returns undefined when PostgreSQL is not installed (and prints so once), so the test can
 * `this.skip()`; with `TOLLGATE_REQUIRE_POSTGRES=1` it throws instead.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster | undefined> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    if (process.env[REQUIRE_POSTGRES_ENV] === '1') {
      throw new Error(`PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH) and ${REQUIRE_POSTGRES_ENV}=1`);
    }
    warnSkippedOnce();
    return undefined;
  }
  const asRoot = process.getuid?.() === 0;
  const as = (program: string): string[] => (asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, program)] : [join(bin, program)]);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const entry = { dir, data, pgCtl: as('pg_ctl') };
  live.add(entry);
  installExitHook();
  const database = options.database ?? 'tollgate';
  try {
    await exec(as('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    let port = 0;
    const start = async (): Promise<void> => {
      const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off'];
      try {
        await exec(entry.pgCtl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', settings.join(' ')]);
      } catch (err) {
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail(log)}`, { cause: err });
      }
    };
    const stop = (mode: 'fast' | 'immediate') => async (): Promise<void> => {
      await exec(entry.pgCtl, ['stop', '-D', data, '-m', mode, '-w', '-t', '60']);
    };
    // The free port is found before the server binds it: another process may take it between.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    await exec(as('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]);
    const cluster: PostgresCluster = {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      port,
      dir,
      stop: stop('fast'),
      start,
      async restart() {
        await stop('fast')();
        await start();
      },
      kill: stop('immediate'),
      async destroy() {
        if (!live.delete(entry)) return;
        await exec(entry.pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (err) {
    destroySync(entry);
    throw err;
  }
}

async function exec(command: string[], args: string[]): Promise<void> {
  const [program, ...pre] = command;
  try {
    // -D paths are in a directory the postgres user owns; cwd / keeps runuser from complaining about ours.
    await run(program as string, [...pre, ...args], { cwd: '/', timeout: 120_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${[program, ...pre, ...args].join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function destroySync(entry: { dir: string; data: string; pgCtl: string[] }): void {
  live.delete(entry);
  const [program, ...pre] = entry.pgCtl;
  try {
    execFileSync(program as string, [...pre, 'stop', '-D', entry.data, '-m', 'immediate', '-w'], { cwd: '/', stdio: 'ignore', timeout: 30_000 });
  } catch {
    // not running
  }
  rmSync(entry.dir, { recursive: true, force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of [...live]) destroySync(entry);
  });
}

let warned = false;
function warnSkippedOnce(): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`PostgreSQL is not installed: its tests are skipped (set ${REQUIRE_POSTGRES_ENV}=1 to fail instead).\n`);
}
