#!/usr/bin/env node
// Differential check of the atomic bucket statements (CHARGE_BUCKET_SQL, TOP_UP_BUCKET_SQL,
// SET_BUCKET_BALANCE_SQL) against the JavaScript reference (chargeBucket, topUpBucket,
// setBucketBalance): random operations on random buckets, random clock jumps (idle months, clock
// skew), capacity and rate changes; every row the database returns must equal the reference, to
// the nanodollar. Then 400 concurrent charges on one PostgreSQL row: none may be lost.
//
// Not part of `npm test` (it needs SQLite and PostgreSQL drivers, which @tollgate/store brings):
//   npm run build
//   TOLLGATE_PG_URL=postgres://postgres@127.0.0.1:5432/postgres node plugins/quotas/scripts/sql-differential.mjs
// Without TOLLGATE_PG_URL only SQLite (libsql, in memory) is checked.
import {
  CHARGE_BUCKET_SQL,
  SET_BUCKET_BALANCE_SQL,
  TOP_UP_BUCKET_SQL,
  chargeBucket,
  chargeParams,
  parseMoney,
  parseRate,
  setBucketBalance,
  topUpBucket,
} from '@tollgate/plugin-quotas';

const { default: Database } = await import('libsql');
const pgUrl = process.env.TOLLGATE_PG_URL;
const pg = pgUrl ? (await import('pg')).default : undefined;

const DDL = 'CREATE TABLE quotas_buckets (name TEXT PRIMARY KEY, balance BIGINT NOT NULL, carry BIGINT NOT NULL, updated_at BIGINT NOT NULL)';
const STATEMENTS = { charge: CHARGE_BUCKET_SQL, topup: TOP_UP_BUCKET_SQL, set: SET_BUCKET_BALANCE_SQL };

/** `:name` placeholders to PostgreSQL's `$n` (a repeated name is one parameter). */
function positional(text) {
  const names = [];
  const sql = text.replace(/:([a-z_]+)/g, (_, n) => {
    if (!names.includes(n)) names.push(n);
    return `$${names.indexOf(n) + 1}`;
  });
  return { sql, names };
}

const lite = new Database(':memory:');
lite.exec(DDL);
const liteStatements = Object.fromEntries(Object.entries(STATEMENTS).map(([k, s]) => [k, lite.prepare(s)]));
const pool = pg ? new pg.Pool({ connectionString: pgUrl, max: 8 }) : undefined;
if (pool) {
  await pool.query('DROP TABLE IF EXISTS quotas_buckets');
  await pool.query(DDL);
}
const pgStatements = Object.fromEntries(Object.entries(STATEMENTS).map(([k, s]) => [k, positional(s)]));
const row = (r) => ({ balance: Number(r.balance), carry: Number(r.carry), updatedAt: Number(r.updated_at) });

async function run(kind, params) {
  const out = [];
  const used = Object.fromEntries(Object.entries(params).filter(([k]) => STATEMENTS[kind].includes(`:${k}`)));
  out.push(['sqlite', row(liteStatements[kind].get(used))]);
  if (pool) {
    const { sql, names } = pgStatements[kind];
    out.push(['postgres', row((await pool.query(sql, names.map((n) => params[n]))).rows[0])]);
  }
  return out;
}

let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = (list) => list[Math.floor(random() * list.length)];
const CAPACITIES = ['$0.00', '$0.01', '$10.00', '$2.50', '$1000000.00'];
const RATES = ['$5.00/day', '$0.000000001/month', '$1.234567891/min', '$0.00/hour', '$1000.00/week', '$7.77/month', '$9000000.00/min'];
const DAY = 86_400_000;

let ops = 0;
let mismatches = 0;
for (let b = 0; b < 60; b++) {
  const name = `b${b}`;
  let limits = { capacity: parseMoney(pick(CAPACITIES)), rate: parseRate(pick(RATES)) };
  let now = 1_700_000_000_000 + Math.floor(random() * 1e9);
  let reference;
  for (let i = 0; i < 80; i++) {
    const r = random();
    now += r < 0.3 ? 0 : r < 0.6 ? Math.floor(random() * 5000) : r < 0.8 ? Math.floor(random() * DAY) : r < 0.9 ? Math.floor(random() * 200 * DAY) : -Math.floor(random() * 10_000);
    if (random() < 0.05) limits = { capacity: parseMoney(pick(CAPACITIES)), rate: parseRate(pick(RATES)) };
    const op = random();
    let kind;
    let params;
    if (op < 0.75) {
      const cost = Math.floor(random() ** 3 * 5e9);
      kind = 'charge';
      params = chargeParams(name, limits, now, cost);
      reference = chargeBucket(reference, limits, now, cost);
    } else if (op < 0.9) {
      const amount = Math.floor(random() * 3e9);
      kind = 'topup';
      params = { ...chargeParams(name, limits, now, 0), amount };
      reference = topUpBucket(reference, limits, now, amount);
    } else {
      reference = setBucketBalance(reference, limits, now, Math.floor((random() - 0.3) * 2e10));
      kind = 'set';
      params = { name, now, balance: reference.balance };
    }
    ops++;
    for (const [engine, got] of await run(kind, params)) {
      if (got.balance === reference.balance && got.carry === reference.carry && got.updatedAt === reference.updatedAt) continue;
      mismatches++;
      if (mismatches <= 10) console.log('MISMATCH', engine, kind, JSON.stringify({ got, reference, params }));
    }
  }
}
console.log(`${ops} operations, engines: sqlite${pool ? ' + postgres' : ''}, mismatches: ${mismatches}`);

let lost = 0;
if (pool) {
  const limits = { capacity: parseMoney('$10.00'), rate: parseRate('$5.00/day') };
  const now = 1_800_000_000_000;
  const costs = Array.from({ length: 400 }, () => Math.floor(random() * 1e8));
  const { sql, names } = pgStatements.charge;
  await Promise.all(costs.map((cost) => pool.query(sql, names.map((n) => chargeParams('shared', limits, now, cost)[n]))));
  const balance = Number((await pool.query("SELECT balance FROM quotas_buckets WHERE name = 'shared'")).rows[0].balance);
  const expected = limits.capacity - costs.reduce((a, c) => a + c, 0);
  lost = balance === expected ? 0 : 1;
  console.log(`400 concurrent PostgreSQL charges: balance ${balance}, expected ${expected}: ${lost ? 'LOST UPDATES' : 'ok'}`);
  await pool.end();
}
process.exitCode = mismatches > 0 || lost > 0 ? 1 : 0;
