#!/usr/bin/env node
/**
 * `npm run bench`: measures tollgate against a fake upstream, a bare Node proxy and Portkey, side
 * by side in one run, and writes JSON, Markdown and a chart to `bench/results/`. See
 * bench/README.md for what each configuration and scenario is; `--help` for the options.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runCell, sanityCheck } from './lib/cell.js';
import { writeChart } from './lib/chart.js';
import { CONFIGURATIONS, baselineOf } from './lib/configurations.js';
import { parseOptions } from './lib/options.js';
import { summarizeProfile } from './lib/profile-summary.js';
import { renderMarkdown } from './lib/report.js';
import { SCENARIOS } from './lib/scenarios.js';
import { startServer } from './lib/spawn-server.js';
import { evaluateTargets, summarize } from './lib/summarize.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(benchDir, '..');
const options = parseOptions(process.argv.slice(2), process.env);
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

/** @param {string[] | undefined} wanted @param {Array<{ id: string, optional?: boolean }>} all @param {string} what */
function select(wanted, all, what) {
  if (wanted === undefined) return all.filter((x) => !x.optional);
  const unknown = wanted.filter((id) => !all.some((x) => x.id === id));
  if (unknown.length > 0) throw new Error(`unknown ${what}: ${unknown.join(', ')} (known: ${all.map((x) => x.id).join(', ')})`);
  return all.filter((x) => wanted.includes(x.id));
}

const selected = /** @type {typeof CONFIGURATIONS} */ (select(options.configs ?? (options.profile ? ['tollgate', 'tollgate-grants', 'tollgate-full'] : undefined), CONFIGURATIONS, 'configuration'));
const baselineDir = options.baseline === undefined ? undefined : resolve(options.baseline);
const configs = baselineDir === undefined ? selected : selected.flatMap((c) => (c.id.startsWith('tollgate') ? [c, baselineOf(c, baselineDir)] : [c]));
const scenarios = /** @type {typeof SCENARIOS} */ (select(options.scenarios, SCENARIOS, 'scenario'));
const outDir = resolve(options.out ?? join(benchDir, 'results'));
mkdirSync(outDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
const profileDir = options.profile ? join(outDir, 'profiles') : undefined;
if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });

const machine = {
  cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
  cores: availableParallelism(),
  memGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  loadavg: loadavg(),
};
const envPart = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('');
const command = `${envPart}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
let commit;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  commit = undefined;
}

log(`bench: ${configs.length} configurations x ${scenarios.length} scenarios x ${options.runs} runs, ${options.warmup}+${options.duration} s per cell (${machine.cores} cores, load ${machine.loadavg.map((x) => x.toFixed(2)).join(' ')})`);

/** @type {import('./lib/spawn-server.js').RunningServer[]} */
const servers = [];
const upstream = await startServer({ name: 'fake-upstream', script: join(benchDir, 'servers', 'fake-upstream.js'), env: { NODE_ENV: 'production' } });
servers.push(upstream);
/** @type {Promise<import('./lib/spawn-server.js').RunningServer> | undefined} */
let receiverPromise;
const receiver = () => {
  receiverPromise ??= startServer({ name: 'hook-receiver', script: join(benchDir, 'servers', 'hook-receiver.js'), env: { NODE_ENV: 'production' } }).then((s) => {
    servers.push(s);
    return s;
  });
  return receiverPromise;
};
/** @type {import('./lib/configurations.js').BenchContext} */
const ctx = { repoDir, benchDir, workDir, upstream, receiver, profileDir };
if (baselineDir !== undefined) mkdirSync(join(workDir, 'baseline'), { recursive: true });

/** @type {import('./lib/report.js').BenchResults['configurations']} */
const configResults = [];
/** @type {typeof CONFIGURATIONS} */
const runnable = [];
for (const c of configs) {
  const reason = c.unavailable(ctx);
  if (reason === undefined) runnable.push(c);
  else log(`bench: ${c.id} unavailable: ${reason}`);
  configResults.push({ id: c.id, label: c.label, description: c.description, available: false, reason: reason ?? 'did not start' });
}

/** Deliveries owed so far: one per request answered by a delivering configuration. */
let owed = 0;
/** @type {import('./lib/report.js').BenchResults['raw']} */
const raw = {};
/** @type {import('./lib/report.js').BenchResults['errors']} */
const errors = {};

/**
 * Starts every runnable configuration in fresh processes for one scenario (so memory readings
 * never carry over from another scenario) and checks each answers it correctly.
 * @param {import('./lib/scenarios.js').Scenario} sc
 * @returns {Promise<Map<string, import('./lib/configurations.js').StartedConfiguration>>}
 */
async function startAll(sc) {
  /** @type {Map<string, import('./lib/configurations.js').StartedConfiguration>} */
  const started = new Map();
  for (const c of runnable) {
    const result = /** @type {(typeof configResults)[number]} */ (configResults.find((r) => r.id === c.id));
    try {
      const s = await c.start(ctx);
      started.set(c.id, s);
      Object.assign(result, { available: true, reason: undefined, version: s.version });
    } catch (err) {
      const message = /** @type {Error} */ (err).message.split('\n').filter(Boolean).slice(0, 6).join(' | ');
      if (!result.available) result.reason = `failed to start: ${message}`;
      /** @type {Record<string, string>} */ (errors[sc.id])[c.id] = `failed to start: ${message}`;
      log(`bench: ${c.id} failed to start: ${message}`);
      continue;
    }
    const s = /** @type {import('./lib/configurations.js').StartedConfiguration} */ (started.get(c.id));
    const problem = await sanityCheck(sc, s);
    if (s.delivers && problem === undefined) owed++;
    if (problem !== undefined) {
      /** @type {Record<string, string>} */ (errors[sc.id])[c.id] = `failed its check: ${problem}`;
      log(`bench: ${sc.id} / ${c.id}: ${problem}`);
    } else /** @type {Record<string, unknown[]>} */ (raw[sc.id])[c.id] = [];
  }
  return started;
}

/**
 * Waits until the receiver has every delivery owed (or none arrives for 5 s, or 180 s pass), so
 * a backlog never spills into the next cell; resolves with the seconds it took.
 * @returns {Promise<number>}
 */
async function settleDeliveries() {
  if (receiverPromise === undefined) return 0;
  const r = await receiverPromise;
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  for (;;) {
    const { deliveries } = /** @type {{ deliveries: number }} */ (await (await fetch(`${r.url}/stats`)).json());
    const now = performance.now();
    if (deliveries >= owed) return (now - started) / 1000;
    if (deliveries !== last) {
      last = deliveries;
      lastChange = now;
    }
    if (now - lastChange > 5000 || now - started > 180_000) {
      log(`bench: hook backlog did not drain: ${deliveries} of ${owed} deliveries received`);
      owed = deliveries;
      return (lastChange - started) / 1000;
    }
    await sleep(20);
  }
}

const startedAt = Date.now();
try {
  for (const sc of scenarios) {
    raw[sc.id] = {};
    errors[sc.id] = {};
    const started = await startAll(sc);
    try {
      const order = [...started.keys()].filter((id) => raw[sc.id]?.[id] !== undefined);
      for (let run = 0; run < options.runs; run++) {
        const rotated = [...order.slice(run % order.length), ...order.slice(0, run % order.length)];
        for (const id of rotated) {
          const cells = /** @type {Array<import('./lib/cell.js').CellRun | undefined>} */ (raw[sc.id]?.[id]);
          const s = /** @type {import('./lib/configurations.js').StartedConfiguration} */ (started.get(id));
          try {
            const r = await runCell(sc, s, {
              seconds: options.duration,
              warmup: options.warmup,
              receiverUrl: receiverPromise === undefined ? undefined : (await receiverPromise).url,
              settle: (sent) => {
                owed += sent;
                return settleDeliveries();
              },
            });
            cells[run] = r;
            const lat = sc.kind === 'probe' ? `ttfb p50 ${r.ttfbP50?.toFixed(3)} ms, p99 ${r.ttfbP99?.toFixed(3)} ms` : `p50 ${r.p50?.toFixed(3)} ms, p99 ${r.p99?.toFixed(3)} ms`;
            log(`  run ${run + 1}/${options.runs} ${sc.id.padEnd(16)} ${id.padEnd(22)} ${Math.round(r.rps ?? 0).toString().padStart(6)} req/s  ${lat}  rss ${r.peakRssMb ?? '–'} MB  cpu ${r.cpuUsPerReq === undefined ? '–' : Math.round(r.cpuUsPerReq)} µs/req${r.failed > 0 ? `  FAILED ${r.failed}` : ''}${r.deliveries !== undefined ? `  hooks ${r.deliveries}/${r.ok} in window, backlog drained in ${r.drainS?.toFixed(2)} s: sustained ${Math.round(r.sustainedRps ?? 0)} req/s` : ''}`);
          } catch (err) {
            cells[run] = undefined;
            log(`  run ${run + 1}/${options.runs} ${sc.id} ${id}: ${/** @type {Error} */ (err).message}`);
          }
          await sleep(250);
        }
      }
    } finally {
      await Promise.all([...started.values()].map((s) => s.server?.stop()));
    }
  }
} finally {
  await Promise.all(servers.reverse().map((s) => s.stop()));
}

const summary = summarize(raw);
/** @type {import('./lib/report.js').BenchResults} */
const results = {
  meta: {
    date: new Date(startedAt).toISOString(),
    command,
    label: options.label,
    commit,
    machine,
    durationS: options.duration,
    warmupS: options.warmup,
    runs: options.runs,
    elapsedS: Math.round((Date.now() - startedAt) / 1000),
  },
  configurations: configResults,
  scenarios: scenarios.map((s) => ({ ...s, body: `${s.body.length} bytes` })),
  raw,
  errors,
  summary,
  targets: evaluateTargets(summary),
};

const base = options.profile ? 'profile-run' : 'latest';
const jsonPath = join(outDir, `${base}.json`);
const mdPath = join(outDir, `${base}.md`);
writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(mdPath, renderMarkdown(results));
const archive = join(outDir, 'runs');
mkdirSync(archive, { recursive: true });
const stamp = results.meta.date.replace(/[:.]/g, '-');
copyFileSync(jsonPath, join(archive, `${stamp}.json`));
copyFileSync(mdPath, join(archive, `${stamp}.md`));
log(`bench: wrote ${relative(process.cwd(), jsonPath)} and ${relative(process.cwd(), mdPath)}`);
if (options.chart) {
  const chart = writeChart(results, join(outDir, base));
  log(chart.png !== undefined ? `bench: wrote ${relative(process.cwd(), chart.png)}` : `bench: chart skipped: ${chart.skipped}`);
}
if (profileDir !== undefined && existsSync(profileDir)) {
  for (const dir of readdirSync(profileDir)) {
    for (const f of readdirSync(join(profileDir, dir)).filter((f) => f.endsWith('.cpuprofile'))) {
      const file = join(profileDir, dir, f);
      const text = summarizeProfile(file);
      writeFileSync(file.replace(/\.cpuprofile$/, '.summary.txt'), text);
      log(`bench: profile of ${dir}: ${relative(process.cwd(), file)} (summary next to it)`);
    }
  }
}
rmSync(workDir, { recursive: true, force: true });
process.stdout.write(renderMarkdown(results));
