// What capturing every exchange costs an HTTP server: a node:http server answers each POST with
// ~2 KB of JSON and, in the capture modes, pushes a ~4 KB record (request + response body) into a
// BatchWriter with its defaults (256 records / 200 ms). autocannon drives it from this process; the
// server runs in a child process, so the two do not share an event loop. Not part of `npm test`.
//
//   npm run build && node packages/store/bench/capture-latency.mjs [seconds=8] [modes=none,sqlite-worker,sqlite-main,postgres]
//
// Modes: none (no capture), sqlite-worker (openStore: SQLite on the store's worker thread),
// sqlite-main (the same batches through Kysely's own SQLite dialect on the main thread, libsql),
// postgres (openStore on a throw-away local cluster). Prints one JSON line per cell.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../../../bench/lib/load.js';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--serve') await serve(process.argv[3], process.argv[4]);
else await drive(Number(process.argv[2] ?? 8), (process.argv[3] ?? 'none,sqlite-worker,sqlite-main,postgres').split(','));

async function drive(seconds, modes) {
  let cluster;
  if (modes.includes('postgres')) {
    const { startPostgresCluster } = await import('@tollgate/testing');
    cluster = await startPostgresCluster();
    if (cluster === undefined) modes = modes.filter((m) => m !== 'postgres');
  }
  const body = JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'q'.repeat(2_000) }] });
  try {
    for (const mode of modes) {
      for (const connections of [1, 10]) {
        const execArgv = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
        const child = fork(self, ['--serve', mode, cluster?.url ?? ''], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv });
        const port = await new Promise((resolve) => child.once('message', resolve));
        const url = `http://127.0.0.1:${port}/v1/chat/completions`;
        const target = { url, headers: { 'content-type': 'application/json' }, body };
        await runLoad(target, { connections, seconds: 2 }); // warm-up
        await fetch(`http://127.0.0.1:${port}/reset`);
        const r = await runLoad(target, { connections, seconds });
        const server = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
        child.kill();
        await new Promise((resolve) => child.once('exit', resolve));
        console.log(JSON.stringify({
          mode, connections, rps: Math.round(r.rps), p50_ms: r.p50?.toFixed(3), p99_ms: r.p99?.toFixed(3), failed: r.failed,
          ...server,
        }));
      }
    }
  } finally {
    await cluster?.destroy();
  }
}

async function serve(mode, pgUrl) {
  const answer = JSON.stringify({ id: 'x', choices: [{ message: { role: 'assistant', content: 'a'.repeat(2_000) } }] });
  const dir = mkdtempSync(join(tmpdir(), 'capture-bench-'));
  const logger = { debug() {}, info() {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) };
  let writer;
  let store;
  if (mode !== 'none') {
    const { BatchWriter, openStore, autoIdColumn } = await import('@tollgate/store');
    if (mode === 'sqlite-main') {
      const { Kysely, SqliteDialect } = await import('kysely');
      const { default: Database } = await import('libsql');
      const database = new Database(join(dir, 'main.db'));
      database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
      const db = new Kysely({ dialect: new SqliteDialect({ database }) });
      store = { dialect: 'sqlite', db, ping: async () => true, close: () => db.destroy() };
    } else {
      store = await openStore({ url: mode === 'postgres' ? pgUrl : undefined, dataDir: dir, logger });
    }
    await store.db.schema.dropTable('exchanges').ifExists().execute();
    await store.db.schema
      .createTable('exchanges')
      .addColumn('id', ...autoIdColumn(store.dialect))
      .addColumn('time_ms', 'bigint')
      .addColumn('login', 'text')
      .addColumn('model', 'text')
      .addColumn('status', 'integer')
      .addColumn('duration_ms', 'integer')
      .addColumn('request_body', 'text')
      .addColumn('response_body', 'text')
      .execute();
    writer = new BatchWriter(store, {
      name: 'bench', maxBatchRecords: process.env.BATCH ? Number(process.env.BATCH) : undefined,
      logger,
      write: (trx, records) => trx.insertInto('exchanges').values(records).execute(),
    });
  }
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/reset') {
      delay.reset();
      res.end();
      return;
    }
    if (req.method === 'GET' && req.url === '/stats') {
      const s = writer?.stats();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        loop_delay_p99_ms: (delay.percentile(99) / 1e6).toFixed(2), loop_delay_max_ms: (delay.max / 1e6).toFixed(2),
        written: s?.written, dropped: s?.dropped, buffered: s?.buffered,
      }));
      return;
    }
    const started = Date.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const request = Buffer.concat(chunks).toString('utf8');
      res.setHeader('content-type', 'application/json');
      res.end(answer);
      writer?.push({ time_ms: started, login: 'alice', model: 'mock-1', status: 200, duration_ms: Date.now() - started, request_body: request, response_body: answer });
    });
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('SIGTERM', async () => {
    await writer?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}
