import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@tollgate/store';
import { RecordingLogger } from './helpers.js';

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('SQLite file modes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tollgate-modes-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  for (const umask of [0o000, 0o022]) {
    it(`creates the directory 0700 and the database, -wal and -shm 0600 under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      const previous = process.umask(umask);
      try {
        const dataDir = join(root, 'state', 'tollgate');
        const store = await openStore({ dataDir, logger: new RecordingLogger() });
        try {
          await store.db.schema.createTable('t').addColumn('x', 'text').execute();
          await store.db.insertInto('t').values({ x: 'hello' }).execute();
          assert.equal(modeOf(dataDir), '700');
          for (const f of ['tollgate.db', 'tollgate.db-wal', 'tollgate.db-shm']) assert.equal(modeOf(join(dataDir, f)), '600', f);
        } finally {
          await store.close();
        }
      } finally {
        process.umask(previous);
      }
    });
  }

  it('tightens an existing open database file and says so; an existing directory is the operator\'s and stays as it is', async () => {
    const dataDir = join(root, 'open');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    writeFileSync(join(dataDir, 'custom.db'), '');
    chmodSync(join(dataDir, 'custom.db'), 0o666);
    const log = new RecordingLogger();
    const store = await openStore({ dataDir, file: 'custom.db', logger: log });
    try {
      assert.equal(modeOf(dataDir), '777', 'the data directory is reported by the gateway, not changed');
      assert.equal(modeOf(join(dataDir, 'custom.db')), '600');
      assert.equal(log.withMsg('store file was open to other users; set to 0600').length, 1);
    } finally {
      await store.close();
    }
  });
});
