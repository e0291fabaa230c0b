import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BucketLimits,
  type BucketState,
  BalanceReader,
  BucketStore,
  ChargeDroppedError,
  ChargeQueue,
  QUOTAS_MIGRATIONS,
  STORE_NAMESPACE,
  chargeBucket,
  chargeRow,
  setBalanceRow,
  parseMoney,
  parseRate,
  setBucketBalance,
  topUpBucket,
} from '@tollgate/plugin-quotas';
import { type Store, openStore } from '@tollgate/store';
import { type PostgresCluster, startPostgresCluster } from '@tollgate/testing';
import fc from 'fast-check';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`bucket store (${backend})`, function () {
    this.timeout(120_000);
    let cluster: PostgresCluster | undefined;
    let dataDir: string;
    let store: Store;
    let buckets: BucketStore;

    before(async function () {
      if (backend === 'postgres') {
        cluster = await startPostgresCluster();
        if (cluster === undefined) this.skip();
      }
      dataDir = mkdtempSync(join(tmpdir(), 'tollgate-quotas-store-'));
      store = await openStore({ url: cluster?.url, dataDir, logger: silent });
      await store.migrate(STORE_NAMESPACE, QUOTAS_MIGRATIONS);
      buckets = new BucketStore(store);
    });
    after(async () => {
      await store?.close();
      await cluster?.destroy();
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    });

    it('computes exactly what the JavaScript token bucket computes: charges, refills, top-ups, balances set, capacity and rate changes, clock skew', async () => {
      const limitsArb = fc.record({
        capacity: fc.constantFrom('$0.00', '$0.01', '$10.00', '$1000000.00').map((t) => parseMoney(t)),
        rate: fc.constantFrom('$5.00/day', '$0.000000001/month', '$1.234567891/min', '$0.00/hour', '$9000000.00/min').map((t) => parseRate(t)),
      });
      const opArb = fc.record({
        elapsed: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: DAY }), fc.integer({ min: 0, max: 200 * DAY }), fc.integer({ min: -10_000, max: 0 })),
        limits: fc.option(limitsArb, { freq: 10 }),
        op: fc.oneof(
          fc.record({ kind: fc.constant('charge' as const), amount: fc.integer({ min: 0, max: 5e9 }) }),
          fc.record({ kind: fc.constant('topup' as const), amount: fc.integer({ min: 0, max: 3e9 }) }),
          fc.record({ kind: fc.constant('set' as const), amount: fc.integer({ min: -6e9, max: 2e10 }) }),
        ),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(limitsArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), async (initial, ops) => {
          const name = `prop-${run++}`;
          let limits: BucketLimits = initial;
          let now = T0;
          let reference: BucketState | undefined;
          for (const { elapsed, limits: changed, op } of ops) {
            now += elapsed;
            if (changed !== null) limits = changed;
            let got: BucketState;
            if (op.kind === 'charge') {
              reference = chargeBucket(reference, limits, now, op.amount);
              got = await buckets.charge(name, limits, now, op.amount);
            } else if (op.kind === 'topup') {
              reference = topUpBucket(reference, limits, now, op.amount);
              got = await buckets.topUp(name, limits, now, op.amount);
            } else {
              reference = setBucketBalance(reference, limits, now, op.amount);
              got = await buckets.setBalance(name, limits, now, op.amount);
            }
            assert.deepEqual(got, reference);
          }
          assert.deepEqual((await buckets.read([name])).get(name), reference);
        }),
        { numRuns: 40 },
      );
    });

    it('changes many buckets, each with its own limits, in one statement, as separate statements would', async () => {
      const a = { capacity: parseMoney('$10.00'), rate: parseRate('$5.00/day') };
      const b = { capacity: parseMoney('$1.00'), rate: parseRate('$1.234567891/min') };
      await buckets.charge('multi:b', b, T0, 900_000_000);
      const after = await buckets.change('charge', [chargeRow('multi:c', a, T0 + 60_000, 3), chargeRow('multi:b', b, T0 + 60_000, 5), chargeRow('multi:a', a, T0 + 60_000, 7)]);
      assert.deepEqual(Object.fromEntries(after), {
        'multi:a': chargeBucket(undefined, a, T0 + 60_000, 7),
        'multi:b': chargeBucket(chargeBucket(undefined, b, T0, 900_000_000), b, T0 + 60_000, 5),
        'multi:c': chargeBucket(undefined, a, T0 + 60_000, 3),
      });
      const set = await buckets.change('set_balance', [setBalanceRow('multi:a', a, T0 + 60_000, -5), setBalanceRow('multi:b', b, T0 + 60_000, 5e9)]);
      assert.deepEqual([set.get('multi:a')?.balance, set.get('multi:b')?.balance], [-5, 1e9]);
    });

    it('reads, lists and removes buckets', async () => {
      const limits = { capacity: parseMoney('$10.00'), rate: parseRate('$5.00/day') };
      await buckets.charge('list:a', limits, T0, 1);
      await buckets.charge('list:b', limits, T0, 2);
      const read = await buckets.read(['list:a', 'list:b', 'list:none']);
      assert.deepEqual([...read.keys()].sort(), ['list:a', 'list:b']);
      assert.equal(read.get('list:b')?.balance, 10e9 - 2);
      assert.ok((await buckets.list()).some((b) => b.name === 'list:a'));
      assert.equal(await buckets.capBalances([['list:a', 5e9], ['list:b', 20e9], ['list:none', 1]]), 1, 'only a balance above the capacity is capped');
      assert.deepEqual(Object.fromEntries([...(await buckets.read(['list:a', 'list:b']))].map(([n, st]) => [n, st.balance])), { 'list:a': 5e9, 'list:b': 10e9 - 2 });
      assert.equal(await buckets.remove(['list:a', 'list:b', 'list:none']), 2);
      assert.equal((await buckets.read(['list:a'])).size, 0);
    });

    it('grouped reads answer each caller with its own buckets', async () => {
      const limits = { capacity: parseMoney('$10.00'), rate: parseRate('$0.00/day') };
      await buckets.charge('read:a', limits, T0, 5);
      await buckets.charge('read:b', limits, T0, 7);
      const reader = new BalanceReader(buckets);
      const answers = await Promise.all([reader.read(['read:a']), reader.read(['read:b', 'read:none']), reader.read(['read:a', 'read:b']), reader.read([])]);
      assert.deepEqual(answers.map((m) => Object.fromEntries([...m].map(([k, v]) => [k, v.balance]))), [{ 'read:a': 10e9 - 5 }, { 'read:b': 10e9 - 7 }, { 'read:a': 10e9 - 5, 'read:b': 10e9 - 7 }, {}]);
    });

    it('the charge queue loses no charge among 300 concurrent ones, each resolving with its own balance after', async () => {
      const queue = new ChargeQueue(buckets, () => store.ping(), { logger: silent });
      const limits = { capacity: parseMoney('$100.00'), rate: parseRate('$0.00/day') };
      const costs = Array.from({ length: 300 }, (_, i) => 1_000_000 + i);
      const states = await Promise.all(costs.map((cost, i) => queue.charge({ name: i % 3 === 0 ? 'queue:x' : 'queue:y', limits, now: T0, cost })));
      const total = (bucket: string): number => costs.filter((_, i) => (i % 3 === 0) === (bucket === 'queue:x')).reduce((t, c) => t + c, 0);
      const stored = await buckets.read(['queue:x', 'queue:y']);
      assert.equal(stored.get('queue:x')?.balance, limits.capacity - total('queue:x'));
      assert.equal(stored.get('queue:y')?.balance, limits.capacity - total('queue:y'));
      // Each charge saw a distinct balance: the charges were applied one after another.
      assert.equal(new Set(states.map((s, i) => `${i % 3 === 0}:${s.balance}`)).size, 300);
      assert.deepEqual(queue.stats(), { queued: 0, charged: 300, dropped: 0, failedWrites: 0, healthy: true });
      await queue.close();
      await assert.rejects(queue.charge({ name: 'queue:x', limits, now: T0, cost: 1 }), ChargeDroppedError);
      assert.equal(queue.stats().dropped, 1);
    });

    if (backend === 'postgres') {
      it('keeps charges while the database is down and writes them when it is back', async () => {
        const logs: string[] = [];
        const logger = { ...silent, warn: (_f: object, msg?: string) => void logs.push(`warn ${msg}`), info: (_f: object, msg?: string) => void logs.push(`info ${msg}`) };
        const queue = new ChargeQueue(buckets, () => store.ping(), { logger, retryMinMs: 50, retryMaxMs: 200 });
        const limits = { capacity: parseMoney('$10.00'), rate: parseRate('$0.00/day') };
        await queue.charge({ name: 'outage', limits, now: T0, cost: 1_000 });
        await (cluster as PostgresCluster).stop();
        const pending = Array.from({ length: 20 }, () => queue.charge({ name: 'outage', limits, now: T0, cost: 1_000 }));
        await waitUntil(() => queue.stats().failedWrites >= 2);
        assert.equal(queue.stats().healthy, false);
        assert.equal(queue.stats().queued, 20);
        await (cluster as PostgresCluster).start();
        const states = await Promise.all(pending);
        assert.deepEqual(states.map((s) => s.balance).sort((a, b) => b - a), Array.from({ length: 20 }, (_, i) => 10e9 - 1_000 * (i + 2)));
        assert.equal((await buckets.read(['outage'])).get('outage')?.balance, 10e9 - 21_000);
        assert.deepEqual([queue.stats().healthy, queue.stats().dropped], [true, 0]);
        assert.ok(logs.includes('warn quota charges could not be written; they are kept and retried'));
        assert.ok(logs.includes('info quota charges written again'));
        await queue.close();
      });
    }
  });
}

async function waitUntil(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
