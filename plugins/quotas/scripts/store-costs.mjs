#!/usr/bin/env node
// What admission reads, charges and cost estimates cost the gateway's process, with and without
// grouping: N operations at concurrency 64 against the embedded SQLite store (or PostgreSQL with
// PG=postgres://...). Prints operations per second, process CPU per operation (both threads) and
// main-thread busy time per operation. Not part of `npm test`:
//   npm run build && node plugins/quotas/scripts/store-costs.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@tollgate/store';
import { BalanceReader, BucketStore, ChargeQueue, QUOTAS_MIGRATIONS, parseMoney, parseRate, CostEstimator } from '@tollgate/plugin-quotas';
import { emptyUsage } from '@tollgate/core';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-store-costs-'));
const store = await openStore({ url: process.env.PG, dataDir, logger: silent });
await store.migrate('quotas', QUOTAS_MIGRATIONS);
const buckets = new BucketStore(store);
const reader = new BalanceReader(buckets);
const limits = { capacity: parseMoney('$1000000.00'), rate: parseRate('$1000000.00/day') };
const N = 4000;
async function bench(name, fn, conc = 64) {
  const t0 = performance.now(); const c0 = process.cpuUsage(); const e0 = performance.eventLoopUtilization();
  let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (i < N) { i++; await fn(i); } }));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(c0); const elu = performance.eventLoopUtilization(e0);
  console.log(name.padEnd(28), `${(N / ms * 1000).toFixed(0)} ops/s`, `cpu ${((cpu.user + cpu.system) / N).toFixed(0)} µs/op`, `main busy ${(elu.active / N * 1000).toFixed(0)} µs/op`);
}
for (let round = 0; round < 2; round++) { // the first round warms up
  await bench('read 2 (direct)', () => buckets.read(['daily:bench@example.com', 'team']));
  await bench('read 2 (grouped)', () => reader.read(['daily:bench@example.com', 'team']));
  await bench('charge (direct)', () => buckets.charge('team', limits, Date.now(), 1000));
  const q = new ChargeQueue(buckets, () => store.ping(), { logger: silent });
  await bench('charge x2 (queue)', () => Promise.all([q.charge({ name: 'team', limits, now: Date.now(), cost: 1000 }), q.charge({ name: 'daily:x', limits, now: Date.now(), cost: 1000 })]));
  const est = new CostEstimator({ p: { baseurl: 'http://x', models: [], cost_basis: 'openai', model_cost_map: [{ match: 'bench-model', as: 'gpt-4.1-nano', adjustment: 1 }] } }, true);
  const u = { ...emptyUsage(), inputTokens: 96, outputTokens: 18 };
  await bench('estimate', async () => est.estimate('p', 'bench-model', u, Date.now()));
}
await store.close();
rmSync(dataDir, { recursive: true, force: true });
