/**
 * Runs one cell (one scenario against one configuration, one run): warm-up, then the measured
 * load with the server's peak RSS and, for configurations that deliver webhooks, the deliveries
 * the receiver saw in the window.
 */
import { CHAT_ENDPOINT } from './configurations.js';
import { runLoad } from './load.js';
import { CpuTime } from './process-cpu.js';
import { PeakRss } from './process-memory.js';
import { probeStream } from './stream-probe.js';

/**
 * @typedef {object} CellRun
 * @property {number | undefined} rps
 * @property {number | undefined} p50
 * @property {number | undefined} p99
 * @property {number | undefined} ttfbP50
 * @property {number | undefined} ttfbP99
 * @property {number | undefined} totalP50
 * @property {number | undefined} totalP99
 * @property {number} ok
 * @property {number} failed
 * @property {number | undefined} peakRssMb
 * @property {number | undefined} cpuUsPerReq CPU time of the server's processes per request answered (µs; window plus hook backlog drain)
 * @property {number | undefined} deliveries webhook deliveries received during the measured window
 * @property {number} sent requests answered in this cell, warm-up included (each owes one delivery)
 * @property {number | undefined} drainS seconds the hook backlog took to drain after the window
 * @property {number | undefined} sustainedRps requests / (window + drain time): the rate the configuration keeps up with, deliveries included
 */

/**
 * @param {import('./scenarios.js').Scenario} scenario
 * @param {import('./configurations.js').StartedConfiguration} started
 * @returns {import('./load.js').LoadTarget}
 */
export function targetOf(scenario, started) {
  return { url: `${started.url}${CHAT_ENDPOINT}`, headers: { 'content-type': 'application/json', ...started.headers }, body: scenario.body };
}

/**
 * One request, checked: the configuration must answer this scenario with 200 and the expected
 * content before it is measured (a fast error page is not a fast gateway).
 * @param {import('./scenarios.js').Scenario} scenario
 * @param {import('./configurations.js').StartedConfiguration} started
 * @returns {Promise<string | undefined>} why it failed, if it did
 */
export async function sanityCheck(scenario, started) {
  const target = targetOf(scenario, started);
  try {
    const res = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (res.status !== 200) return `answered ${res.status}: ${text.slice(0, 200)}`;
    if (!text.includes(scenario.expect) || !text.includes('get_weather')) return `answer lacks "${scenario.expect}" or the tool call: ${text.slice(0, 200)}`;
    return undefined;
  } catch (err) {
    return `request failed: ${/** @type {Error} */ (err).message}`;
  }
}

/** @param {string} url */
async function deliveriesAt(url) {
  const res = await fetch(`${url}/stats`);
  return /** @type {{ deliveries: number }} */ (await res.json()).deliveries;
}

/**
 * @param {import('./scenarios.js').Scenario} scenario
 * @param {import('./configurations.js').StartedConfiguration} started
 * @param {{ seconds: number, warmup: number, receiverUrl?: string, settle?: (sent: number) => Promise<number> }} options
 *   `settle`: for configurations that deliver webhooks, waits for the backlog after the window and
 *   resolves with the seconds it took; CPU time then covers the window and the drain.
 * @returns {Promise<CellRun>}
 */
export async function runCell(scenario, started, options) {
  const target = targetOf(scenario, started);
  const measure = (/** @type {number} */ seconds) =>
    scenario.kind === 'probe' ? probeStream(target, { seconds }) : runLoad(target, { connections: scenario.connections, seconds });
  const warm = options.warmup > 0 ? await measure(options.warmup) : undefined;
  const sent = (/** @type {{ ok: number }} */ r) => (warm?.ok ?? 0) + r.ok;
  const delivers = started.delivers === true && options.receiverUrl !== undefined;
  const before = delivers ? await deliveriesAt(/** @type {string} */ (options.receiverUrl)) : 0;
  const rss = new PeakRss();
  const cpu = new CpuTime();
  if (started.server !== undefined) {
    rss.start(started.server.pid);
    cpu.start(started.server.pid);
  }
  const r = await measure(options.seconds);
  const deliveries = delivers ? (await deliveriesAt(/** @type {string} */ (options.receiverUrl))) - before : undefined;
  const drainS = delivers && options.settle !== undefined ? await options.settle(sent(r)) : undefined;
  const sustainedRps = drainS === undefined ? undefined : r.ok / (options.seconds + drainS);
  const cpuMs = started.server !== undefined ? cpu.stop() : undefined;
  const peakRssMb = started.server !== undefined ? rss.stop() : undefined;
  const cpuUsPerReq = cpuMs === undefined || r.ok === 0 ? undefined : (cpuMs * 1000) / r.ok;
  if ('rps' in r) {
    return { rps: r.rps, p50: r.p50, p99: r.p99, ttfbP50: undefined, ttfbP99: undefined, totalP50: undefined, totalP99: undefined, ok: r.ok, failed: r.failed, peakRssMb, cpuUsPerReq, deliveries, sent: sent(r), drainS, sustainedRps };
  }
  return {
    rps: r.ok / options.seconds,
    p50: r.totalP50,
    p99: r.totalP99,
    ttfbP50: r.ttfbP50,
    ttfbP99: r.ttfbP99,
    totalP50: r.totalP50,
    totalP99: r.totalP99,
    ok: r.ok,
    failed: r.failed,
    peakRssMb,
    cpuUsPerReq,
    deliveries,
    sent: sent(r),
    drainS,
    sustainedRps,
  };
}
