import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStore, databaseUrlOf, sql } from '@tollgate/store';
import { RecordingLogger } from './helpers.js';

describe('acquireStore (one store per database per process)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-shared-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('hands every holder of one database the same store, and closes it when the last lets go', async () => {
    const a = await acquireStore({ dataDir, logger: new RecordingLogger() });
    const b = await acquireStore({ dataDir, logger: new RecordingLogger() });
    assert.equal(a.store, b.store);
    await a.release();
    await a.release(); // idempotent: b still holds it
    assert.equal(await b.store.ping(), true);
    await b.release();
    assert.equal(await b.store.ping(), false, 'closed after the last release');
    const c = await acquireStore({ dataDir, logger: new RecordingLogger() });
    assert.notEqual(c.store, a.store, 'a new open after the close');
    await sql`select 1`.execute(c.store.db);
    await c.release();
  });

  it('keeps different databases apart, and forgets a store that failed to open', async () => {
    const a = await acquireStore({ dataDir, file: 'one.db', logger: new RecordingLogger() });
    const b = await acquireStore({ dataDir, file: 'two.db', logger: new RecordingLogger() });
    assert.notEqual(a.store, b.store);
    await Promise.all([a.release(), b.release()]);
    await assert.rejects(acquireStore({ url: 'mysql://x', dataDir, logger: new RecordingLogger() }), (err: unknown) => (err as { code?: string }).code === 'TG_ERR_STORE_URL');
    await assert.rejects(acquireStore({ url: 'mysql://x', dataDir, logger: new RecordingLogger() }), (err: unknown) => (err as { code?: string }).code === 'TG_ERR_STORE_URL');
  });

  it('reads database.url from a configuration', () => {
    assert.equal(databaseUrlOf({ database: { url: ' postgres://u@h/db ' } }), 'postgres://u@h/db');
    assert.equal(databaseUrlOf({ database: { url: '' } }), undefined);
    assert.equal(databaseUrlOf({ database: {} }), undefined);
    assert.equal(databaseUrlOf({}), undefined);
  });
});
