import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESTIMATED_COST, QUOTA_BALANCES, STAGE_GUARDRAIL, STAGE_OBSERVE, type TollgatePlugin } from '@tollgate/core';
import { formatMoney } from '@tollgate/plugin-quotas';
import { type FakeHookReceiver, type PostgresCluster, ProcessHandle, type TestGateway, startFakeHookReceiver, startPostgresCluster } from '@tollgate/testing';
import { AP, IDENTITY, KEYS, PROVIDERS, buckets, chat, quotaGrants, startQuotaGateway } from './support.js';

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/tollgate.js', import.meta.url));
const REQUESTS = 200;
const WORTH = 50;

/** The cost of one identical chat request, in nanodollars, learnt from a caller under no quota. */
async function costOfOneRequest(gw: TestGateway): Promise<number> {
  const res = await chat(gw.url, KEYS.free);
  assert.equal(res.status, 200, res.text);
  const cost = (await gw.exchange(gw.exchanges.length)).state.get(ESTIMATED_COST);
  assert.ok(typeof cost?.dollars === 'number' && cost.dollars > 0);
  return Math.round(cost.dollars * 1e9);
}

/** The bucket worth `WORTH` requests, never refilled, charged for alice and bob. */
function sharedQuota(capacity: number): Record<string, unknown> {
  return { shared: { capacity: formatMoney(capacity), rate: '$0.00/day' } };
}

/** Asserts that the post-charge balances are exactly capacity - k x cost for k = 1..n (charges serialised, none lost). */
function assertSerialised(afterCharge: number[], capacity: number, cost: number): void {
  const expected = afterCharge.map((_, i) => capacity - (i + 1) * cost);
  assert.deepEqual([...afterCharge].sort((a, b) => b - a), expected);
}

describe('quotas under concurrency', function () {
  this.timeout(120_000);

  it(`${REQUESTS} concurrent requests on one gateway (SQLite): at most ${WORTH} plus those already admitted when the bucket crossed zero, and no charge lost`, async () => {
    // Events in the gateway's own order: admissions (after the quota check) and committed charges (seen by an observer after settle).
    let seq = 0;
    const admitted: Array<{ seq: number; read: number }> = [];
    const refusedReads: number[] = [];
    const charged: Array<{ seq: number; after: number; cost: number }> = [];
    const probe: TollgatePlugin = {
      name: 'probe',
      apply(host) {
        host.hooks.onRequest.tap({ name: 'probe', stage: STAGE_GUARDRAIL }, (ctx) => {
          const read = ctx.state.get(QUOTA_BALANCES)?.shared;
          if (read !== undefined) admitted.push({ seq: ++seq, read: read.current });
          return undefined;
        });
        host.hooks.onResponse.tap({ name: 'probe', stage: STAGE_OBSERVE }, (exchange) => {
          const balance = exchange.state.get(QUOTA_BALANCES)?.shared;
          if (balance === undefined) return;
          if (exchange.status === 429) refusedReads.push(balance.current);
          else charged.push({ seq: ++seq, after: balance.current, cost: Math.round((exchange.state.get(ESTIMATED_COST)?.dollars ?? Number.NaN) * 1e9) });
        });
      },
    };
    const gw = await startQuotaGateway({ quotas: sharedQuota(1e9), grants: quotaGrants(['shared']), plugins: [probe] });
    try {
      const cost = await costOfOneRequest(gw);
      const capacity = WORTH * cost;
      await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants(['shared']), quotas: sharedQuota(capacity) });

      const answers = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => chat(gw.url, i % 2 === 0 ? KEYS.alice : KEYS.bob)));
      const ok = answers.filter((a) => a.status === 200).length;
      assert.equal(ok + answers.filter((a) => a.status === 429).length, REQUESTS);
      await gw.exchange(1 + REQUESTS);

      assert.ok(ok >= WORTH, `a bucket worth ${WORTH} requests let ${ok} through`);
      assert.equal(admitted.length, ok);
      assert.ok(admitted.every((a) => a.read > 0));
      assert.ok(refusedReads.every((r) => r <= 0), 'a request is refused only once the bucket is not positive');
      // The bucket crossed zero with the charge that brought it to <= 0; only requests admitted before that may pass.
      const crossing = charged.filter((c) => c.after <= 0).sort((a, b) => a.seq - b.seq)[0];
      assert.ok(crossing !== undefined);
      const admittedBeforeCrossing = admitted.filter((a) => a.seq < crossing.seq).length;
      assert.ok(ok <= WORTH + admittedBeforeCrossing, `${ok} admitted, ${admittedBeforeCrossing} before the crossing`);
      assert.ok(admitted.filter((a) => a.seq > crossing.seq).length === 0, 'nothing admitted after the crossing');

      // No charge lost: the final balance is capacity minus the sum of the recorded costs, to the nanodollar.
      assert.ok(charged.every((c) => c.cost === cost));
      assertSerialised(charged.map((c) => c.after), capacity, cost);
      const final = (await buckets(gw.url, KEYS.admin)).shared.current;
      assert.equal(final, capacity - charged.reduce((t, c) => t + c.cost, 0));
      // And now everyone under it is refused.
      assert.equal((await chat(gw.url, KEYS.alice)).status, 429);
    } finally {
      await gw.close();
    }
  });

  describe('two gateway processes sharing one PostgreSQL database', () => {
    let cluster: PostgresCluster | undefined;
    let receiver: FakeHookReceiver;
    const dirs: string[] = [];
    const procs: ProcessHandle[] = [];

    before(async function () {
      cluster = await startPostgresCluster();
      if (cluster === undefined) this.skip();
      receiver = await startFakeHookReceiver();
    });
    after(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await receiver?.close();
      await cluster?.destroy();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    /** Starts `tollgate start` on a config, returns its URL. */
    async function startGatewayProcess(config: Record<string, unknown>): Promise<string> {
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-quotas-pg-'));
      dirs.push(dir);
      const file = join(dir, 'tollgate.json');
      writeFileSync(file, JSON.stringify(config));
      const proc = new ProcessHandle(process.execPath, [CLI, 'start', '--config', file, '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'data')]);
      procs.push(proc);
      const m = await proc.waitFor(/tollgate listening on (http:\/\/\S+)/, 'stderr', { timeoutMs: 60_000 });
      return m[1] as string;
    }

    /** The ledger hook's reports after the first `skip`: each admitted exchange's cost and balance after its charge. */
    function ledger(skip: number): Array<{ cost: number; after: number; receivedAt: number }> {
      return receiver.deliveriesTo('/ledger').slice(skip).map((d) => {
        const m = (d.body as { metadata: { estimated_cost: { dollars: number }; quotas: { shared: { current: number } } } }).metadata;
        return { cost: Math.round(m.estimated_cost.dollars * 1e9), after: m.quotas.shared.current, receivedAt: d.receivedAt };
      });
    }

    it(`${REQUESTS} concurrent requests across both: charges serialised by the database, none lost; then, paced, nothing is admitted once a gateway has seen it spent`, async () => {
      const url = (cluster as PostgresCluster).url;
      // The cost of one request, from an in-process gateway on the same config (the mock is deterministic).
      const probe = await startQuotaGateway({ quotas: sharedQuota(1e9), grants: quotaGrants(['shared']) });
      const cost = await costOfOneRequest(probe).finally(() => probe.close());
      const capacity = WORTH * cost;
      const grants = quotaGrants(['shared']) as Array<{ src: string[]; app: Record<string, Array<Record<string, unknown>>> }>;
      grants.push({ src: ['*'], app: { [AP]: [{ send_hooks: [{ name: 'ledger', events: ['entire_request'], send: ['estimated_cost', 'quotas'] }] }] } });
      const config = {
        providers: PROVIDERS,
        identity: IDENTITY,
        grants,
        quotas: sharedQuota(capacity),
        hooks: { ledger: { url: receiver.urlFor('/ledger') } },
        database: { url },
        logging: { level: 'warn', access_log: false },
      };
      const gateways = await Promise.all([startGatewayProcess(config), startGatewayProcess(config)]);
      const gatewayOf = (i: number): string => gateways[i % 2] as string;
      const keyOf = (i: number): string => (i % 4 < 2 ? KEYS.alice : KEYS.bob);

      // 1. A burst: all at once.
      const answers = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => chat(gatewayOf(i), keyOf(i))));
      const ok = answers.filter((r) => r.status === 200).length;
      assert.equal(ok + answers.filter((r) => r.status === 429).length, REQUESTS, answers.find((r) => r.status !== 200 && r.status !== 429)?.text);
      assert.ok(ok >= WORTH, `a bucket worth ${WORTH} requests let ${ok} through`);
      await receiver.waitFor((d) => d.filter((x) => x.path === '/ledger').length >= ok, 30_000);
      const burst = ledger(0);
      assert.equal(burst.length, ok);
      assert.ok(burst.every((c) => c.cost === cost));
      assertSerialised(burst.map((c) => c.after), capacity, cost);
      const spent = burst.reduce((t, c) => t + c.cost, 0);
      for (const gateway of gateways) assert.equal((await buckets(gateway, KEYS.admin)).shared.current, capacity - spent, 'both gateways see the same balance');
      for (const gateway of gateways) assert.equal((await chat(gateway, KEYS.bob)).status, 429);

      // 2. Full again (an admin sets it on one gateway), then 10 clients at a time across both gateways.
      const reset = await fetch(`${gateways[1] as string}/api/quotas/set`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.admin}` }, body: JSON.stringify({ bucket: 'shared', balance: formatMoney(capacity) }) });
      assert.equal(reset.status, 200);
      const sent: Array<{ at: number; status: number }> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < REQUESTS) {
            const i = next++;
            const at = Date.now();
            sent.push({ at, status: (await chat(gatewayOf(i), keyOf(i))).status });
          }
        }),
      );
      const paced = sent.filter((r) => r.status === 200).length;
      await receiver.waitFor((d) => d.filter((x) => x.path === '/ledger').length >= ok + paced, 30_000);
      const charges = ledger(ok);
      assert.equal(charges.length, paced);
      assertSerialised(charges.map((c) => c.after), capacity, cost);
      // Once the ledger has heard of the charge that spent the bucket, every request sent later, to either gateway, is refused.
      const crossing = Math.min(...charges.filter((c) => c.after <= 0).map((c) => c.receivedAt));
      const later = sent.filter((r) => r.at > crossing);
      assert.ok(later.length > 0, 'some requests were sent after the crossing');
      assert.deepEqual([...new Set(later.map((r) => r.status))], [429]);
      assert.ok(paced >= WORTH && paced < REQUESTS, `${paced} of ${REQUESTS} paced requests admitted`);
      for (const gateway of gateways) assert.equal((await buckets(gateway, KEYS.admin)).shared.current, capacity - charges.reduce((t, c) => t + c.cost, 0));
    });
  });
});
