import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Store, type StoreLogger, openStore } from '@tollgate/store';
import { type PostgresCluster, startPostgresCluster } from '@tollgate/testing';

/** One log call a {@link RecordingLogger} saw. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A StoreLogger that keeps every line. */
export class RecordingLogger implements StoreLogger {
  readonly entries: LogEntry[] = [];
  debug(fields: object, msg?: string): void {
    this.entries.push({ level: 'debug', fields: fields as Record<string, unknown>, msg });
  }
  info(fields: object, msg?: string): void {
    this.entries.push({ level: 'info', fields: fields as Record<string, unknown>, msg });
  }
  warn(fields: object, msg?: string): void {
    this.entries.push({ level: 'warn', fields: fields as Record<string, unknown>, msg });
  }
  error(fields: object, msg?: string): void {
    this.entries.push({ level: 'error', fields: fields as Record<string, unknown>, msg });
  }
  /** The entries with this message. */
  withMsg(msg: string): LogEntry[] {
    return this.entries.filter((e) => e.msg === msg);
  }
}

/** A database the tests of one backend can open, fresh for each test. */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** The PostgreSQL cluster (postgres backend only). */
  readonly cluster: PostgresCluster | undefined;
  /** A new empty database: `{ url, dataDir }` for openStore. */
  fresh(): Promise<{ url: string | undefined; dataDir: string }>;
  /** Opens a store on a fresh database (or on `at`). */
  open(logger?: StoreLogger, at?: { url: string | undefined; dataDir: string }): Promise<Store>;
}

/**
 * Declares `suite` once per backend: SQLite always, PostgreSQL on a throw-away cluster
 * (skipped, with a note, when PostgreSQL is not installed; a failure when CI requires it).
 */
export function describeBackends(title: string, suite: (backend: () => Backend) => void, names: readonly Backend['name'][] = ['sqlite', 'postgres']): void {
  for (const name of names) {
    describe(`${title} (${name})`, function () {
      let backend: Backend | undefined;
      const dirs: string[] = [];
      const stores: Store[] = [];
      let dbCounter = 0;
      before(async function () {
        this.timeout(120_000);
        let cluster: PostgresCluster | undefined;
        if (name === 'postgres') {
          cluster = await startPostgresCluster();
          if (cluster === undefined) this.skip();
        }
        backend = {
          name,
          cluster,
          async fresh() {
            const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-store-test-'));
            dirs.push(dataDir);
            if (cluster === undefined) return { url: undefined, dataDir };
            const db = `t${++dbCounter}`;
            const admin = new pg.Client({ connectionString: cluster.url });
            await admin.connect();
            try {
              await admin.query(`create database ${db}`);
            } finally {
              await admin.end();
            }
            return { url: cluster.url.replace(/\/[^/]*$/, `/${db}`), dataDir };
          },
          async open(logger = new RecordingLogger(), at) {
            const where = at ?? (await this.fresh());
            const store = await openStore({ url: where.url, dataDir: where.dataDir, logger });
            stores.push(store);
            return store;
          },
        };
      });
      afterEach(async () => {
        await Promise.all(stores.splice(0).map((s) => s.close()));
      });
      after(async () => {
        await backend?.cluster?.destroy();
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      });
      suite(() => backend as Backend);
    });
  }
}

/** Resolves once `done()` is true, polling every 10 ms; rejects after `timeoutMs` with `what`. */
export async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
