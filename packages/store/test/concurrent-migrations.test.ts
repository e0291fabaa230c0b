import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessHandle } from '@tollgate/testing';
import { describeBackends } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/migrate-child.mjs', import.meta.url));

describeBackends('two processes migrating one database at once', (backend) => {
  it('apply each migration exactly once, and both succeed', async function () {
    this.timeout(60_000);
    const where = await backend().fresh();
    const barrier = mkdtempSync(join(tmpdir(), 'tollgate-barrier-'));
    try {
      const procs = [0, 1].map(() => new ProcessHandle(process.execPath, [child, where.url ?? '', where.dataDir, barrier]));
      const exits = await Promise.all(procs.map((p) => p.exited));
      for (const e of exits) assert.equal(e.code, 0, `child failed:\n${e.stderr}`);
      const store = await backend().open(undefined, where);
      const rows = await store.db.selectFrom('race_items').select(['migration', 'pid']).orderBy('migration').execute();
      assert.deepEqual(rows.map((r) => r.migration), ['0001', '0002']);
      const applied = await store.db.selectFrom('race_migrations').select('name').orderBy('name').execute();
      assert.deepEqual(applied.map((r) => r.name), ['0001-create', '0002-alter']);
    } finally {
      rmSync(barrier, { recursive: true, force: true });
    }
  });
});
