#!/usr/bin/env node
/**
 * `npm run soak`: steady load on a gateway (grants, webhook, an `onToolCall` tap) for
 * `SOAK_MINUTES` (default 10), half streamed and half not, every answer a tool call, while the
 * hook receiver flaps (down, back, answering 503 for a while). Samples the gateway's RSS, heap
 * after a full GC and event-loop delay, counts client errors, and at the end compares the
 * distinct hook deliveries the receiver accepted with the events owed (must be equal). Writes
 * `bench/results/soak.json` and `bench/results/soak.md`; exits non-zero when the run fails.
 *
 * Knobs (environment): SOAK_MINUTES, SOAK_CONCURRENCY (16), SOAK_RPS (150), SOAK_UP_S (20),
 * SOAK_DOWN_S (10), SOAK_UNAVAILABLE_S (5), SOAK_SAMPLE_S (5), SOAK_DRAIN_S (120), SOAK_OUT.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { BENCH_MODEL, chatRequest } from './lib/payloads.js';
import { renderSoakMarkdown, verdicts, MAX_HEAP_SLOPE, MAX_RSS_SLOPE } from './lib/soak-report.js';
import { startSoakReceiver } from './lib/soak-receiver.js';
import { startServer } from './lib/spawn-server.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(benchDir, '..');
const env = process.env;
const num = (/** @type {string} */ name, /** @type {number} */ fallback) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));
const minutes = num('SOAK_MINUTES', 10);
const concurrency = num('SOAK_CONCURRENCY', 16);
const rps = num('SOAK_RPS', 150);
const flap = { upSeconds: num('SOAK_UP_S', 20), downSeconds: num('SOAK_DOWN_S', 10), unavailableSeconds: num('SOAK_UNAVAILABLE_S', 5) };
const sampleSeconds = num('SOAK_SAMPLE_S', 5);
const drainLimitSeconds = num('SOAK_DRAIN_S', 120);
const outDir = resolve(env.SOAK_OUT ?? join(benchDir, 'results'));
/** Post-response events owed per request: `entire_request` and `tool_call_entire_request`. */
const EVENTS_PER_REQUEST = 2;
const log = (/** @type {string} */ line) => process.stderr.write(`soak: ${line}\n`);

const loadAtStart = loadavg();
const workDir = mkdtempSync(join(tmpdir(), 'tollgate-soak-'));
const upstream = await startServer({ name: 'fake-upstream', script: join(benchDir, 'servers', 'fake-upstream.js'), env: { NODE_ENV: 'production' } });
const receiver = await startSoakReceiver();

const config = {
  providers: { bench: { baseurl: `${upstream.url}/v1`, apikey: 'sk-soak-provider-key', models: [BENCH_MODEL] } },
  hooks: { audit: { url: `${receiver.url}/audit`, apikey: 'hk-soak-audit-key', timeout: '2s' } },
  grants: [
    {
      src: ['(loopback)'],
      app: {
        'tailscale.com/cap/aperture': [
          { role: 'admin' },
          { models: '**' },
          { send_hooks: [{ name: 'audit', events: ['entire_request', 'tool_call_entire_request'], send: ['user_message', 'tools', 'response_body'] }] },
        ],
      },
    },
  ],
  logging: { level: 'info', access_log: true },
};
const webhookOptions = { delivery: { retry_initial: '200ms', retry_max: '2s', concurrency: 8 } };

/** @type {import('node:child_process').ChildProcess} */
const child = fork(join(benchDir, 'lib', 'soak-gateway.js'), [], {
  cwd: repoDir,
  execArgv: ['--expose-gc'],
  env: { ...env, NODE_ENV: 'production', SOAK_CONFIG: JSON.stringify(config), SOAK_WEBHOOK: JSON.stringify(webhookOptions), SOAK_DATA_DIR: workDir },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise((resolvePort, reject) => {
  child.once('exit', (code) => reject(new Error(`the gateway exited during start-up (code ${code})`)));
  child.on('message', (/** @type {any} */ msg) => {
    if (msg?.ready === true) resolvePort(msg.port);
  });
});
const gatewayUrl = `http://127.0.0.1:${port}`;

/** @returns {Promise<any>} a sample from the gateway process */
function gatewaySample(type = 'sample') {
  return new Promise((resolveSample) => {
    const onMessage = (/** @type {any} */ msg) => {
      if (msg?.type === (type === 'close' ? 'closed' : 'sample')) {
        child.off('message', onMessage);
        resolveSample(msg.sample);
      }
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

// --- load ---------------------------------------------------------------------------------------
const pool = new Pool(gatewayUrl, { connections: concurrency, pipelining: 1 });
const bodies = { json: chatRequest({ stream: false }), stream: chatRequest({ stream: true, events: 64 }) };
/** @type {Record<string, number>} */
const errorKinds = {};
const client = { requests: 0, streamed: 0, errors: 0, errorKinds };
const fail = (/** @type {string} */ kind) => {
  client.errors++;
  client.errorKinds[kind] = (client.errorKinds[kind] ?? 0) + 1;
};
let running = true;

/** One request; counts it, and an error when the answer is not the complete tool call. */
async function oneRequest(/** @type {boolean} */ stream) {
  try {
    const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: stream ? bodies.stream : bodies.json });
    const text = await res.body.text();
    client.requests++;
    if (stream) client.streamed++;
    if (res.statusCode !== 200) return fail(`status ${res.statusCode}`);
    if (stream) {
      if (!text.endsWith('data: [DONE]\n\n') || !text.includes('"get_weather"')) fail('incomplete stream');
    } else if (JSON.parse(text).choices?.[0]?.message?.tool_calls?.[0]?.function?.name !== 'get_weather') fail('wrong body');
  } catch (err) {
    client.requests++;
    fail(`exception ${/** @type {any} */ (err)?.code ?? /** @type {Error} */ (err)?.message}`);
  }
}

/** A worker paced so that all of them together make `rps` requests a second. */
async function worker(/** @type {number} */ i) {
  const interval = (1000 * concurrency) / rps;
  let next = performance.now() + (interval * i) / concurrency;
  let n = i;
  while (running) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    next += interval;
    await oneRequest(n++ % 2 === 0);
  }
}

// --- the flapping receiver ------------------------------------------------------------------------
let flaps = 0;
async function flapper() {
  while (running) {
    await sleep(flap.upSeconds * 1000);
    if (!running) break;
    await receiver.down();
    flaps++;
    await sleep(flap.downSeconds * 1000);
    await receiver.up();
    if (!running) break;
    receiver.setMode('unavailable');
    await sleep(flap.unavailableSeconds * 1000);
    receiver.setMode('ok');
  }
  receiver.setMode('ok');
  await receiver.up();
}

// --- run ------------------------------------------------------------------------------------------
log(`${minutes} min at ${rps} req/s, ${concurrency} connections; gateway pid ${child.pid} at ${gatewayUrl}, receiver ${receiver.url}`);
/** @type {import('./lib/soak-report.js').SoakSample[]} */
const samples = [];
const started = performance.now();
const takeSample = async () => {
  const g = await gatewaySample();
  samples.push({
    t: Math.round((performance.now() - started) / 100) / 10,
    rssMB: g.rssMB,
    heapUsedMB: g.heapUsedMB,
    externalMB: g.externalMB,
    eventLoopDelayMs: g.eventLoopDelayMs,
    gc: g.gc,
    activeResources: g.activeResources,
    requests: client.requests,
    errors: client.errors,
    delivered: receiver.unique(),
    queueDepth: g.webhook?.queueDepth ?? 0,
    receiverUp: receiver.isUp(),
  });
  return g;
};
const sampler = (async () => {
  while (running) {
    await sleep(sampleSeconds * 1000);
    if (!running) break;
    const g = await takeSample();
    const last = samples.at(-1);
    if (samples.length % Math.max(1, Math.round(60 / sampleSeconds)) === 0) {
      log(`${((last?.t ?? 0) / 60).toFixed(1)} min: ${client.requests} requests, ${client.errors} errors, ${receiver.unique()} delivered, backlog ${g.webhook?.queueDepth}, RSS ${g.rssMB} MB, heap ${g.heapUsedMB} MB`);
    }
  }
})();
const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
const flapping = flapper();
await sleep(minutes * 60_000);
running = false;
await Promise.all(workers);
await Promise.all([flapping, sampler]);
const loadSeconds = (performance.now() - started) / 1000;

// --- drain: the receiver is up; wait until every owed event was accepted (or the limit) ------------
const expected = (client.requests - client.errors) * EVENTS_PER_REQUEST;
const drainStart = performance.now();
while (receiver.unique() < expected && (performance.now() - drainStart) / 1000 < drainLimitSeconds) await sleep(250);
const drainSeconds = (performance.now() - drainStart) / 1000;
// Quiet for a moment, so that a late duplicate or a stray extra delivery would be counted too.
await sleep(2000);
const final = await takeSample();
const closed = await gatewaySample('close');
await new Promise((done) => child.once('exit', () => done(undefined)));
await pool.close();
await receiver.close();
await upstream.stop();
rmSync(workDir, { recursive: true, force: true });

// --- report ---------------------------------------------------------------------------------------
const eldP99s = samples.map((s) => s.eventLoopDelayMs.p99).sort((a, b) => a - b);
const run = { samples, expected, delivered: receiver.unique(), errors: client.errors, webhook: closed.webhook ?? final.webhook };
const v = verdicts(run);
let commit;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  if (dirty) commit += ' with uncommitted changes';
} catch {
  commit = undefined;
}
mkdirSync(outDir, { recursive: true });
const jsonFile = join(outDir, 'soak.json');
const report = {
  startedAt: new Date(Date.now() - loadSeconds * 1000).toISOString(),
  commit,
  command: `${Object.entries(env).filter(([k]) => k.startsWith('SOAK_')).map(([k, val]) => `${k}=${val} `).join('')}npm run soak`,
  machine: { node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown CPU', loadavgStart: loadAtStart, loadavgEnd: loadavg() },
  minutes,
  load: { concurrency, rps, flap, sampleSeconds, events: EVENTS_PER_REQUEST },
  flaps,
  client: { ...client, rps: client.requests / loadSeconds },
  deliveries: { expected, delivered: receiver.unique(), accepted: receiver.accepted(), duplicates: receiver.duplicates(), byEvent: receiver.byEvent() },
  webhook: run.webhook,
  drainSeconds,
  eventLoopDelayMs: { p50: median(samples.map((s) => s.eventLoopDelayMs.p50)), p99: eldP99s[Math.floor(eldP99s.length / 2)] ?? 0, max: Math.max(...samples.map((s) => s.eventLoopDelayMs.max)) },
  log: closed.log,
  warnings: closed.warnings,
  thresholds: { heapSlope: MAX_HEAP_SLOPE, rssSlope: MAX_RSS_SLOPE },
  verdicts: v,
  jsonFile: relative(repoDir, jsonFile),
  samples,
};
writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, 'soak.md'), renderSoakMarkdown(report));
log(`${v.pass ? 'PASS' : 'FAIL'}: ${client.requests} requests, ${client.errors} errors; deliveries ${receiver.unique()}/${expected} (${receiver.duplicates()} redelivered); heap ${v.heapSlope.toFixed(3)} MB/min, RSS ${v.rssSlope.toFixed(3)} MB/min; report in ${relative(repoDir, outDir)}/soak.md`);
process.exitCode = v.pass ? 0 : 1;

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
