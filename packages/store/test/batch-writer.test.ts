import assert from 'node:assert/strict';
import { BatchWriter, type BatchWriterOptions, type Kysely, type Store } from '@tollgate/store';
import { deferred } from '@tollgate/testing';
import { RecordingLogger, describeBackends, until } from './helpers.js';

interface Item {
  readonly seq: number;
  readonly body: string | null;
}

async function createItems(store: Store): Promise<void> {
  await store.db.schema
    .createTable('items')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
}

const insertItems = (trx: Kysely<any>, records: readonly Item[]): Promise<unknown> => trx.insertInto('items').values(records.map((r) => ({ seq: r.seq, body: r.body }))).execute();

async function seqs(store: Store): Promise<number[]> {
  return (await store.db.selectFrom('items').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
}

const items = (from: number, n: number, body = 'x'): Item[] => Array.from({ length: n }, (_, i) => ({ seq: from + i, body }));

function writer(store: Store, log: RecordingLogger, o: Partial<BatchWriterOptions<Item>> = {}): BatchWriter<Item> {
  return new BatchWriter<Item>(store, {
    name: 'test.items',
    logger: log,
    write: async (trx, records) => {
      await insertItems(trx, records);
    },
    flushIntervalMs: 60_000,
    retryMinMs: 10,
    retryMaxMs: 50,
    ...o,
  });
}

describeBackends('BatchWriter', (backend) => {
  it('writes a batch as soon as maxBatchRecords wait, and the rest on flush(), in push order', async () => {
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const sizes: number[] = [];
    const w = writer(store, log, {
      maxBatchRecords: 4,
      write: async (trx, records) => {
        sizes.push(records.length);
        await insertItems(trx, records);
      },
    });
    for (const r of items(1, 10)) assert.equal(w.push(r), true);
    await until(() => w.stats().written === 8, 'two full batches');
    assert.equal(w.stats().buffered, 2, 'the partial batch waits for the interval');
    assert.equal(await w.flush(), true);
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.deepEqual(await seqs(store), items(1, 10).map((r) => r.seq));
    assert.deepEqual({ ...w.stats(), lastError: undefined }, {
      buffered: 0, bufferedBytes: 0, written: 10, dropped: 0, droppedBy: { overflow: 0, rejected: 0, closed: 0 }, failedWrites: 0, lastError: undefined, healthy: true,
    });
    await w.close();
  });

  it('writes bigger batches (catchUpBatchRecords) while it is behind, still in push order', async () => {
    const store = await backend().open();
    await createItems(store);
    const gate = deferred();
    const sizes: number[] = [];
    const w = writer(store, new RecordingLogger(), {
      maxBatchRecords: 4,
      catchUpBatchRecords: 16,
      write: async (trx, records) => {
        await gate.promise;
        sizes.push(records.length);
        await insertItems(trx, records);
      },
    });
    for (const r of items(1, 41)) w.push(r);
    gate.resolve();
    assert.equal(await w.flush(), true);
    assert.deepEqual(sizes, [16, 16, 4, 4, 1]);
    assert.deepEqual(await seqs(store), items(1, 41).map((r) => r.seq));
    await w.close();
  });

  it('keeps the defaults for options given as undefined', async () => {
    const store = await backend().open();
    await createItems(store);
    const sizes: number[] = [];
    const w = writer(store, new RecordingLogger(), {
      maxBatchRecords: undefined,
      write: async (trx, records) => {
        sizes.push(records.length);
        await insertItems(trx, records);
      },
    });
    for (const r of items(1, 130)) w.push(r);
    assert.equal(await w.flush(), true);
    assert.deepEqual(sizes, [64, 64, 2]);
    await w.close();
  });

  it('writes a partial batch once flushIntervalMs has passed', async () => {
    const store = await backend().open();
    await createItems(store);
    const w = writer(store, new RecordingLogger(), { flushIntervalMs: 30 });
    for (const r of items(1, 3)) w.push(r);
    await until(() => w.stats().written === 3, 'the interval flush');
    assert.deepEqual(await seqs(store), [1, 2, 3]);
    await w.close();
  });

  it('writes each batch in one transaction: a batch that fails half-way is retried whole, without duplicates', async () => {
    const store = await backend().open();
    await createItems(store);
    let failures = 1;
    const w = writer(store, new RecordingLogger(), {
      maxBatchRecords: 5,
      write: async (trx, records) => {
        for (const r of records) {
          await insertItems(trx, [r]);
          if (r.seq === 3 && failures-- > 0) throw new Error('lost the connection');
        }
      },
    });
    for (const r of items(1, 5)) w.push(r);
    assert.equal(await w.flush(), true);
    assert.deepEqual(await seqs(store), [1, 2, 3, 4, 5]);
    assert.equal(w.stats().failedWrites, 1);
    assert.equal(w.stats().lastError, 'lost the connection');
    assert.equal(w.stats().healthy, true);
    await w.close();
  });

  it('bounds the buffer by count: drops beyond it, counts them and logs them rate-limited', async () => {
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const gate = deferred();
    const w = writer(store, log, {
      maxBatchRecords: 2,
      maxBufferedRecords: 5,
      logIntervalMs: 60_000,
      write: async (trx, records) => {
        await gate.promise;
        await insertItems(trx, records);
      },
    });
    const accepted = items(1, 8).map((r) => w.push(r));
    assert.deepEqual(accepted, [true, true, true, true, true, false, false, false]);
    assert.equal(w.stats().buffered, 5);
    assert.equal(w.stats().dropped, 3);
    assert.deepEqual(w.stats().droppedBy, { overflow: 3, rejected: 0, closed: 0 });
    const dropLines = (): number[] => log.withMsg('batch writer dropped records').map((e) => e.fields.dropped as number);
    assert.deepEqual(dropLines(), [1], 'the first drop is logged at once, the next ones wait for the interval');
    gate.resolve();
    assert.equal(await w.flush(), true);
    assert.deepEqual(await seqs(store), [1, 2, 3, 4, 5]);
    await w.close();
    assert.deepEqual(dropLines(), [1, 2], 'close() logs the drops not logged yet');
  });

  it('bounds the buffer by bytes when sizeOf is given', async () => {
    const store = await backend().open();
    await createItems(store);
    const w = writer(store, new RecordingLogger(), { maxBufferedBytes: 10_000, sizeOf: (r) => r.body?.length ?? 0 });
    const body = 'b'.repeat(4_096);
    assert.deepEqual(items(1, 3, body).map((r) => w.push(r)), [true, true, false]);
    assert.equal(w.stats().bufferedBytes, 8_192);
    assert.deepEqual(w.stats().droppedBy, { overflow: 1, rejected: 0, closed: 0 });
    assert.equal(await w.flush(), true);
    assert.equal(w.stats().bufferedBytes, 0);
    assert.equal(w.push({ seq: 3, body }), true, 'room again once written');
    await w.close();
    assert.deepEqual(await seqs(store), [1, 2, 3]);
  });

  it('drops (counts, logs) only the record the store refuses, and writes the rest of its batch', async () => {
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const w = writer(store, log, { isolateAfter: 2 });
    w.push({ seq: 1, body: 'ok' });
    w.push({ seq: 2, body: null }); // NOT NULL
    w.push({ seq: 3, body: 'ok' });
    assert.equal(await w.flush(), true);
    assert.deepEqual(await seqs(store), [1, 3]);
    const s = w.stats();
    assert.equal(s.written, 2);
    assert.deepEqual(s.droppedBy, { overflow: 0, rejected: 1, closed: 0 });
    assert.equal(s.healthy, true);
    assert.equal(log.withMsg('the store refused a record; dropped').length, 1);
    await w.close();
  });

  it('close() writes everything held; later pushes are dropped as closed, never thrown', async () => {
    const store = await backend().open();
    await createItems(store);
    const w = writer(store, new RecordingLogger());
    for (const r of items(1, 7)) w.push(r);
    await w.close();
    assert.deepEqual(await seqs(store), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(w.push({ seq: 8, body: 'late' }), false);
    assert.deepEqual(w.stats().droppedBy, { overflow: 0, rejected: 0, closed: 1 });
    assert.equal(w.stats().written, 7);
  });

  it('never throws into the caller: a throwing sizeOf or write is counted, not raised', async () => {
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const w = writer(store, log, {
      sizeOf: (r) => {
        if (r.seq === 2) throw new Error('bad record');
        return 1;
      },
    });
    assert.equal(w.push({ seq: 1, body: 'a' }), true);
    assert.equal(w.push({ seq: 2, body: 'b' }), false);
    assert.deepEqual(w.stats().droppedBy, { overflow: 0, rejected: 1, closed: 0 });
    assert.equal(log.withMsg('batch writer could not queue a record; dropped')[0]?.fields.error, 'bad record');
    await w.close();
    assert.deepEqual(await seqs(store), [1]);
  });
}, ['sqlite', 'postgres']);

describeBackends('BatchWriter while PostgreSQL is down', (backend) => {
  it('keeps records while the server is stopped and writes them all once it is back', async function () {
    this.timeout(60_000);
    const pg = backend().cluster!;
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const w = writer(store, log, { maxBatchRecords: 16, flushIntervalMs: 20, retryMinMs: 50, retryMaxMs: 200, maxBufferedRecords: 1_000 });
    for (const r of items(1, 20)) w.push(r);
    assert.equal(await w.flush(), true);
    await pg.stop();
    try {
      for (const r of items(21, 200)) assert.equal(w.push(r), true);
      await until(() => w.stats().failedWrites >= 2 && !w.stats().healthy, 'failed writes while down');
      assert.equal(w.stats().buffered, 200);
      assert.equal(await store.ping(), false);
    } finally {
      await pg.start();
    }
    assert.equal(await w.flush(30_000), true);
    const s = w.stats();
    assert.equal(s.written, 220);
    assert.equal(s.dropped, 0);
    assert.equal(s.healthy, true);
    assert.deepEqual(await seqs(store), items(1, 220).map((r) => r.seq));
    assert.equal(log.withMsg('store write failed; records are kept and retried').length, 1);
    assert.equal(log.withMsg('store writes recovered').length, 1);
    await w.close();
  });

  it('recovers after a crash (immediate shutdown) too', async function () {
    this.timeout(60_000);
    const pg = backend().cluster!;
    const store = await backend().open();
    await createItems(store);
    const w = writer(store, new RecordingLogger(), { flushIntervalMs: 20, retryMinMs: 50, retryMaxMs: 200 });
    w.push({ seq: 1, body: 'x' });
    assert.equal(await w.flush(), true);
    await pg.kill();
    try {
      for (const r of items(2, 50)) w.push(r);
      await until(() => w.stats().failedWrites >= 1, 'a failed write');
    } finally {
      await pg.start();
    }
    assert.equal(await w.flush(30_000), true);
    assert.deepEqual(await seqs(store), items(1, 51).map((r) => r.seq));
    await w.close();
  });

  it('close() gives up at its deadline while the server is down, and counts what it dropped', async function () {
    this.timeout(60_000);
    const pg = backend().cluster!;
    const store = await backend().open();
    await createItems(store);
    const log = new RecordingLogger();
    const w = writer(store, log, { retryMinMs: 50, retryMaxMs: 100 });
    await pg.stop();
    try {
      for (const r of items(1, 5)) w.push(r);
      await w.close(300);
      const s = w.stats();
      assert.equal(s.buffered, 0);
      assert.equal(s.written, 0);
      assert.deepEqual(s.droppedBy, { overflow: 0, rejected: 0, closed: 5 });
      assert.equal(log.withMsg('batch writer dropped records').at(-1)?.fields.dropped, 5);
    } finally {
      await pg.start();
    }
    assert.deepEqual(await seqs(store), []);
  });
}, ['postgres']);

