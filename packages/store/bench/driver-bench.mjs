// Raw SQLite driver benchmark (no Kysely): batches of ROWS rows with BODY-byte bodies, each batch
// one transaction, on the thread that runs it. Usage: node bench/driver-bench.mjs libsql|node-sqlite [sync]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const driver = process.argv[2] ?? 'libsql';
const synchronous = process.argv[3] ?? 'NORMAL';
const ROWS = Number(process.env.ROWS ?? 256);
const BODY = Number(process.env.BODY ?? 4096);
const BATCHES = Number(process.env.BATCHES ?? 60);

const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
const file = join(dir, 'bench.db');
let db;
if (driver === 'libsql') {
  const { default: Database } = await import('libsql');
  db = new Database(file);
} else {
  const { DatabaseSync } = await import('node:sqlite');
  db = new DatabaseSync(file);
}
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = 5000;`);
db.exec(`CREATE TABLE exchanges (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, login TEXT, model TEXT,
  status INTEGER, duration_ms INTEGER, request_body TEXT, response_body TEXT)`);
db.exec('CREATE INDEX exchanges_time ON exchanges (time_ms)');
const insert = db.prepare('INSERT INTO exchanges (time_ms, login, model, status, duration_ms, request_body, response_body) VALUES (?, ?, ?, ?, ?, ?, ?)');
const body = 'x'.repeat(BODY / 2);
const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
const batchMs = [];
const t0 = performance.now();
let n = 0;
for (let b = 0; b < BATCHES; b++) {
  const s = performance.now();
  db.exec('BEGIN');
  for (let i = 0; i < ROWS; i++) insert.run(Date.now(), 'alice', 'mock-1', 200, 12, body + n, body);
  db.exec('COMMIT');
  n += ROWS;
  batchMs.push(performance.now() - s);
}
const total = performance.now() - t0;
const byId = db.prepare('SELECT * FROM exchanges WHERE id = ?');
const recent = db.prepare('SELECT id, time_ms, login, model, status FROM exchanges ORDER BY time_ms DESC LIMIT 50');
const idUs = [];
const recentUs = [];
for (let i = 0; i < 2000; i++) {
  let s = performance.now();
  byId.all(1 + Math.floor(Math.random() * n));
  idUs.push((performance.now() - s) * 1000);
  s = performance.now();
  recent.all();
  recentUs.push((performance.now() - s) * 1000);
}
const f = (x) => x.toFixed(2);
console.log(JSON.stringify({
  node: process.version, driver, synchronous, rows: ROWS, body: BODY, batches: BATCHES,
  batch_ms: { p50: f(pct(batchMs, 50)), p99: f(pct(batchMs, 99)), max: f(Math.max(...batchMs)) },
  rows_per_s: Math.round(n / (total / 1000)),
  select_by_id_us: { p50: f(pct(idUs, 50)), p99: f(pct(idUs, 99)) },
  select_recent50_us: { p50: f(pct(recentUs, 50)), p99: f(pct(recentUs, 99)) },
}));
db.close();
rmSync(dir, { recursive: true, force: true });
