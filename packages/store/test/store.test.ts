import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TollgateError } from '@tollgate/core';
import { type Migrations, autoIdColumn, columnTypes, dialectOf, openStore, parseJson, sql } from '@tollgate/store';
import { ProcessHandle } from '@tollgate/testing';
import { RecordingLogger, describeBackends } from './helpers.js';

const notesMigrations = (ran: string[]): Migrations => ({
  '0001-notes': {
    async up(db) {
      ran.push('0001');
      const t = columnTypes(dialectOf(db));
      await db.schema
        .createTable('notes_items')
        .addColumn('id', ...autoIdColumn(dialectOf(db)))
        .addColumn('at_ms', t.bigint, (c) => c.notNull())
        .addColumn('doc', t.json)
        .addColumn('raw', t.blob)
        .execute();
    },
  },
  '0002-notes-login': {
    async up(db) {
      ran.push('0002');
      await db.schema.alterTable('notes_items').addColumn('login', 'text').execute();
    },
  },
});

describeBackends('openStore', (backend) => {
  it('opens, answers ping, and reports its dialect and a location without secrets', async () => {
    const store = await backend().open();
    assert.equal(store.dialect, backend().name);
    assert.equal(await store.ping(), true);
    assert.equal(dialectOf(store.db), backend().name);
    if (store.dialect === 'sqlite') assert.match(store.location, /tollgate\.db$/);
    else assert.match(store.location, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/t\d+$/);
  });

  it('runs each migration once, in name order, and a second migrate() applies nothing', async () => {
    const where = await backend().fresh();
    const ran: string[] = [];
    const first = await backend().open(undefined, where);
    await first.migrate('notes', notesMigrations(ran));
    await first.migrate('notes', notesMigrations(ran));
    await first.close();
    const second = await backend().open(undefined, where);
    await second.migrate('notes', notesMigrations(ran));
    assert.deepEqual(ran, ['0001', '0002']);
    const applied = await second.db.selectFrom('notes_migrations').select('name').orderBy('name').execute();
    assert.deepEqual(applied.map((r) => r.name), ['0001-notes', '0002-notes-login']);
  });

  it('adds a new migration to an existing namespace', async () => {
    const store = await backend().open();
    const ran: string[] = [];
    const { '0001-notes': first } = notesMigrations(ran);
    await store.migrate('notes', { '0001-notes': first! });
    await store.migrate('notes', notesMigrations(ran));
    assert.deepEqual(ran, ['0001', '0002']);
    await store.db.insertInto('notes_items').values({ at_ms: 1, login: 'alice' }).execute();
  });

  it('keeps each namespace in its own migration table', async () => {
    const store = await backend().open();
    await store.migrate('notes', notesMigrations([]));
    await store.migrate('other', { '0001-other': { up: (db) => db.schema.createTable('other_items').addColumn('k', 'text').execute() } });
    assert.equal((await store.db.selectFrom('notes_migrations').selectAll().execute()).length, 2);
    assert.deepEqual((await store.db.selectFrom('other_migrations').select('name').execute()).map((r) => r.name), ['0001-other']);
  });

  it('fails a migration with TG_ERR_STORE_MIGRATION, rolls it back, and retries it next time', async () => {
    const store = await backend().open();
    let fail = true;
    const migrations: Migrations = {
      '0001-half': {
        async up(db) {
          await db.schema.createTable('half_items').addColumn('k', 'text').execute();
          if (fail) throw new Error('boom');
        },
      },
    };
    await assert.rejects(store.migrate('half', migrations), (err: unknown) => TollgateError.is(err, 'TG_ERR_STORE_MIGRATION') && /half\/0001-half failed: boom/.test((err as Error).message));
    const tables = (await store.db.introspection.getTables()).map((t) => t.name);
    assert.ok(!tables.includes('half_items'), `half_items was rolled back: ${tables.join(', ')}`);
    fail = false;
    await store.migrate('half', migrations);
    await store.db.insertInto('half_items').values({ k: 'x' }).execute();
  });

  it('refuses a namespace that is not a plain identifier', async () => {
    const store = await backend().open();
    await assert.rejects(store.migrate('bad-name"', {}), (err: unknown) => TollgateError.is(err, 'TG_ERR_STORE_MIGRATION'));
  });

  it('gives values back alike: bigint and numeric sums as numbers, JSON as text, blobs as Buffer', async () => {
    const store = await backend().open();
    await store.migrate('notes', notesMigrations([]));
    const big = 2 ** 53 - 1;
    await store.db
      .insertInto('notes_items')
      .values([
        { at_ms: big, doc: JSON.stringify({ tool: 'bash', n: [1, 2] }), raw: Buffer.from([0, 1, 255]) },
        { at_ms: 1, doc: JSON.stringify('just text'), raw: null },
      ])
      .execute();
    const [first, second] = await store.db.selectFrom('notes_items').select(['id', 'at_ms', 'doc', 'raw']).orderBy('id').execute();
    assert.equal(typeof first!.id, 'number');
    assert.equal(first!.at_ms, big);
    assert.equal(typeof first!.doc, 'string');
    assert.deepEqual(parseJson(first!.doc), { tool: 'bash', n: [1, 2] });
    assert.equal(parseJson(second!.doc), 'just text');
    assert.ok(Buffer.isBuffer(first!.raw));
    assert.deepEqual([...first!.raw], [0, 1, 255]);
    const { rows: agg } = await sql<{ n: unknown; total: unknown }>`select count(*) as n, sum(at_ms) as total from notes_items where at_ms < 100`.execute(store.db);
    assert.deepEqual(agg[0], { n: 1, total: 1 });
    const tool = await sql<{ tool: unknown }>`select doc ->> 'tool' as tool from notes_items where id = ${first!.id}`.execute(store.db);
    assert.equal(tool.rows[0]?.tool, 'bash');
  });

  it('commits a transaction as a whole or not at all', async () => {
    const store = await backend().open();
    await store.migrate('notes', notesMigrations([]));
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('notes_items').values({ at_ms: 1 }).execute();
        throw new Error('abort');
      }),
      /abort/,
    );
    await store.db.transaction().execute((trx) => trx.insertInto('notes_items').values({ at_ms: 2 }).execute());
    const rows = await store.db.selectFrom('notes_items').select('at_ms').execute();
    assert.deepEqual(rows, [{ at_ms: 2 }]);
  });

  it('does not keep the process alive when idle, even unclosed', async function () {
    this.timeout(30_000);
    const where = await backend().fresh();
    const child = new ProcessHandle(process.execPath, [fileURLToPath(new URL('./fixtures/open-and-exit.mjs', import.meta.url)), where.url ?? '', where.dataDir]);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([child.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 20_000)))]);
    clearTimeout(timer);
    if (exit === undefined) {
      await child.stop('SIGKILL');
      assert.fail(`the process did not exit by itself: ${child.describe()}`);
    }
    assert.equal(exit.code, 0, exit.stderr);
    assert.deepEqual(JSON.parse(exit.stdout), { n: 1 });
  });

  it('closes idempotently; afterwards ping is false and queries fail', async () => {
    const store = await backend().open();
    await store.close();
    await store.close();
    assert.equal(await store.ping(), false);
    await assert.rejects(sql`select 1`.execute(store.db));
    await assert.rejects(store.migrate('notes', {}), (err: unknown) => TollgateError.is(err, 'TG_ERR_STORE_CLOSED'));
  });
});

describeBackends('SQLite values', (backend) => {
  it('binds booleans as 1/0 and refuses what SQLite cannot store faithfully', async () => {
    const store = await backend().open();
    await store.db.schema.createTable('v').addColumn('x', 'integer').execute();
    await store.db.insertInto('v').values([{ x: true }, { x: false }]).execute();
    assert.deepEqual(await store.db.selectFrom('v').select('x').execute(), [{ x: 1 }, { x: 0 }]);
    for (const bad of ['a\u0000b', { a: 1 }, [1, 2], new Date(0)]) {
      await assert.rejects(store.db.insertInto('v').values({ x: bad }).execute(), (err: unknown) => TollgateError.is(err, 'TG_ERR_STORE_VALUE'));
    }
    assert.equal(await store.ping(), true, 'the store still answers');
  });

  it('reports SQLite error codes', async () => {
    const store = await backend().open();
    await store.db.schema.createTable('u').addColumn('k', 'text', (c) => c.unique()).execute();
    await store.db.insertInto('u').values({ k: 'a' }).execute();
    await assert.rejects(store.db.insertInto('u').values({ k: 'a' }).execute(), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  });
}, ['sqlite']);

describe('openStore errors', () => {
  it('refuses an unknown URL scheme with TG_ERR_STORE_URL', async () => {
    await assert.rejects(openStore({ url: 'mysql://u:secret@host/db', dataDir: '/nonexistent', logger: new RecordingLogger() }), (err: unknown) => {
      assert.ok(TollgateError.is(err, 'TG_ERR_STORE_URL'));
      assert.doesNotMatch((err as Error).message, /secret/);
      return true;
    });
  });

  it('fails with TG_ERR_STORE_OPEN when the SQLite file cannot be created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-notdir-'));
    try {
      writeFileSync(join(dir, 'a-file'), '');
      await assert.rejects(openStore({ dataDir: join(dir, 'a-file', 'data'), logger: new RecordingLogger() }), (err: unknown) => TollgateError.is(err, 'TG_ERR_STORE_OPEN'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with TG_ERR_STORE_OPEN, without the password, when PostgreSQL is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await assert.rejects(openStore({ url: `postgres://u:hunter2@127.0.0.1:${port}/db`, dataDir: '/nonexistent', logger: new RecordingLogger(), connectTimeoutMs: 2_000 }), (err: unknown) => {
      assert.ok(TollgateError.is(err, 'TG_ERR_STORE_OPEN'));
      assert.doesNotMatch((err as Error).message, /hunter2/);
      assert.match((err as Error).message, /postgres:\/\/u@127\.0\.0\.1/);
      return true;
    });
  });
});
