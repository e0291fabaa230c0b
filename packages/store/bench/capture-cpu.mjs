// CPU that capture costs per record: pushes RECORDS records of ~4 KB (request + response body)
// through a BatchWriter with its defaults, in chunks of 64 per event-loop turn, as fast as it can
// or at RATE records per second, and reports the CPU time of the main thread (Linux: /proc/self/task/<pid>/stat, so
// other processes on a busy machine do not inflate it), of the whole process (main + worker
// thread), and event-loop stalls. Mode `none` makes the same records and drops them: subtract
// it. Not part of `npm test`.
//
//   npm run build && node packages/store/bench/capture-cpu.mjs [modes=sqlite-worker,sqlite-main,postgres]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { BatchWriter, autoIdColumn, openStore } from '@tollgate/store';

const RECORDS = Number(process.env.RECORDS ?? 40_000);
/** Records per second to push at (0: as fast as possible). */
const RATE = Number(process.env.RATE ?? 0);
const modes = (process.argv[2] ?? 'none,sqlite-worker,sqlite-main,postgres').split(',');
const TICK_MS = 10; // USER_HZ is 100 on Linux
/** CPU ms of the main thread so far (utime + stime of task <pid>). */
const mainThreadCpuMs = () => {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
};
const logger = { debug() {}, info() {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) };
const request = JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'q'.repeat(2_000) }] });
/** A flat copy, as a body read from a socket is (a concatenation would be flattened by the copy to the worker). */
const flat = (s) => Buffer.from(s).toString('utf8');
const response = JSON.stringify({ id: 'x', choices: [{ message: { role: 'assistant', content: 'a'.repeat(2_000) } }] });

let cluster;
for (const mode of modes) {
  const dir = mkdtempSync(join(tmpdir(), 'capture-cpu-'));
  let store;
  if (mode === 'none') {
    store = undefined;
  } else if (mode === 'sqlite-main') {
    const { Kysely, SqliteDialect } = await import('kysely');
    const { default: Database } = await import('libsql');
    const database = new Database(join(dir, 'main.db'));
    database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    const db = new Kysely({ dialect: new SqliteDialect({ database }) });
    store = { dialect: 'sqlite', db, ping: async () => true, close: () => db.destroy() };
  } else if (mode === 'postgres') {
    const { startPostgresCluster } = await import('@tollgate/testing');
    cluster = await startPostgresCluster();
    if (cluster === undefined) continue;
    store = await openStore({ url: cluster.url, dataDir: dir, logger });
  } else {
    store = await openStore({ dataDir: dir, logger });
  }
  await store?.db.schema
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
  const sink = { push() {}, flush: async () => true, close: async () => {}, stats: () => ({ written: RECORDS }) };
  const writer = store === undefined ? sink : new BatchWriter(store, { name: 'bench', maxBatchRecords: process.env.BATCH ? Number(process.env.BATCH) : undefined, logger, maxBufferedRecords: RECORDS, write: (trx, records) => trx.insertInto('exchanges').values(records).execute() });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const main0 = mainThreadCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < RECORDS; i += 64) {
    for (let j = i; j < Math.min(RECORDS, i + 64); j++) {
      writer.push({ time_ms: Date.now(), login: 'alice', model: 'mock-1', status: 200, duration_ms: 3, request_body: flat(request + j), response_body: response });
    }
    if (RATE > 0) await sleep(Math.max(0, t0 + ((i + 64) * 1000) / RATE - performance.now()));
    else await tick();
  }
  await writer.flush(120_000);
  const wall = performance.now() - t0;
  const main = mainThreadCpuMs() - main0;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  const per = (ms) => ((ms * 1000) / RECORDS).toFixed(1);
  console.log(JSON.stringify({
    node: process.version, mode, records: RECORDS, written: writer.stats().written,
    records_per_s: Math.round(RECORDS / (wall / 1000)),
    main_thread_cpu_us_per_record: per(main),
    process_cpu_us_per_record: per((cpu.user + cpu.system) / 1000),
    loop_delay_p99_ms: (delay.percentile(99) / 1e6).toFixed(2),
    loop_delay_max_ms: (delay.max / 1e6).toFixed(2),
  }));
  await writer.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
}
await cluster?.destroy();
