/**
 * Turns the runs of every cell into medians, latency added over `direct`, the ratios against
 * the bare proxy and Portkey, and the targets.
 */
import { median, round } from './stats.js';

/**
 * @typedef {object} CellSummary
 * @property {number} runs runs with a result
 * @property {number | undefined} rps
 * @property {number | undefined} p50
 * @property {number | undefined} p99
 * @property {number | undefined} addedP50 median over runs of (this − direct) in the same run
 * @property {number | undefined} addedP99
 * @property {number | undefined} ttfbP50
 * @property {number | undefined} ttfbP99
 * @property {number | undefined} totalP50
 * @property {number | undefined} totalP99
 * @property {number | undefined} ttfbVsBareP50 median over runs of (this − bare) TTFB p50
 * @property {number | undefined} peakRssMb
 * @property {number | undefined} cpuUsPerReq server CPU time per request (µs)
 * @property {number | undefined} cpuVsBare bare's CPU per request / this one's (the throughput ratio a CPU-bound server would reach)
 * @property {number | undefined} vsBare req/s ratio
 * @property {number | undefined} vsPortkey req/s ratio
 * @property {number | undefined} deliveryRatio webhook deliveries in the window / requests answered
 * @property {number | undefined} drainS seconds the hook backlog took to drain after the window
 * @property {number | undefined} sustainedRps requests / (window + drain): throughput with every delivery done
 * @property {number | undefined} sustainedVsBare sustained req/s / bare req/s
 * @property {number} failed failed requests over all runs
 */

/** Configurations tollgate is compared as. */
export const TOLLGATE_IDS = ['tollgate', 'tollgate-tap', 'tollgate-grants', 'tollgate-quotas', 'tollgate-quotas-pg', 'tollgate-full', 'tollgate-full-workers', 'tollgate-workers'];

/**
 * @param {Array<import('./cell.js').CellRun | undefined>} runs
 * @param {Array<import('./cell.js').CellRun | undefined> | undefined} direct
 * @param {Array<import('./cell.js').CellRun | undefined> | undefined} bare
 * @returns {Omit<CellSummary, 'vsBare' | 'vsPortkey' | 'cpuVsBare' | 'sustainedVsBare'>}
 */
function summarizeCell(runs, direct, bare) {
  const pick = (/** @type {keyof import('./cell.js').CellRun} */ k) => median(runs.map((r) => /** @type {number | undefined} */ (r?.[k])));
  const paired = (/** @type {typeof direct} */ other, /** @type {keyof import('./cell.js').CellRun} */ k) =>
    other === undefined
      ? undefined
      : median(
          runs.map((r, i) => {
            const a = /** @type {number | undefined} */ (r?.[k]);
            const b = /** @type {number | undefined} */ (other[i]?.[k]);
            return a === undefined || b === undefined ? undefined : a - b;
          }),
        );
  const deliveries = runs.map((r) => (r?.deliveries === undefined || r.ok === 0 ? undefined : r.deliveries / r.ok));
  return {
    runs: runs.filter((r) => r !== undefined).length,
    rps: round(pick('rps'), 1),
    p50: round(pick('p50')),
    p99: round(pick('p99')),
    addedP50: round(paired(direct, 'p50')),
    addedP99: round(paired(direct, 'p99')),
    ttfbP50: round(pick('ttfbP50')),
    ttfbP99: round(pick('ttfbP99')),
    totalP50: round(pick('totalP50')),
    totalP99: round(pick('totalP99')),
    ttfbVsBareP50: round(paired(bare, 'ttfbP50')),
    peakRssMb: round(pick('peakRssMb'), 1),
    cpuUsPerReq: round(pick('cpuUsPerReq'), 1),
    deliveryRatio: round(median(deliveries), 3),
    drainS: round(pick('drainS'), 2),
    sustainedRps: round(pick('sustainedRps'), 1),
    failed: runs.reduce((n, r) => n + (r?.failed ?? 0), 0),
  };
}

/**
 * @param {Record<string, Record<string, Array<import('./cell.js').CellRun | undefined>>>} raw scenario → config → runs
 * @returns {Record<string, Record<string, CellSummary>>}
 */
export function summarize(raw) {
  /** @type {Record<string, Record<string, CellSummary>>} */
  const out = {};
  for (const [scenario, byConfig] of Object.entries(raw)) {
    out[scenario] = {};
    const direct = byConfig.direct;
    const bare = byConfig.bare;
    for (const [config, runs] of Object.entries(byConfig)) {
      const s = summarizeCell(runs, config === 'direct' ? undefined : direct, config === 'bare' ? undefined : bare);
      out[scenario][config] = { ...s, vsBare: undefined, vsPortkey: undefined, cpuVsBare: undefined, sustainedVsBare: undefined };
    }
    const bareRps = out[scenario].bare?.rps;
    const bareCpu = out[scenario].bare?.cpuUsPerReq;
    const portkeyRps = out[scenario].portkey?.rps;
    for (const [config, s] of Object.entries(out[scenario])) {
      if (config === 'direct' || config === 'bare' || s.rps === undefined) continue;
      if (bareRps) s.vsBare = round(s.rps / bareRps, 3);
      if (bareCpu && s.cpuUsPerReq) s.cpuVsBare = round(bareCpu / s.cpuUsPerReq, 3);
      if (bareRps && s.sustainedRps !== undefined) s.sustainedVsBare = round(s.sustainedRps / bareRps, 3);
      if (portkeyRps && config !== 'portkey') s.vsPortkey = round(s.rps / portkeyRps, 2);
    }
  }
  return out;
}

/**
 * @typedef {object} TargetResult
 * @property {string} id
 * @property {string} description
 * @property {string} subject configuration measured
 * @property {boolean} standIn true when the named configuration was unavailable and a lighter one stood in
 * @property {number | undefined} value
 * @property {string} unit
 * @property {string} threshold
 * @property {'pass' | 'fail' | 'unavailable'} result
 * @property {string} [note]
 */

/**
 * @param {Record<string, Record<string, CellSummary>>} s
 * @returns {TargetResult[]}
 */
export function evaluateTargets(s) {
  /** @type {TargetResult[]} */
  const out = [];
  /**
   * @param {{ id: string, description: string, subjects: string[], unit: string, threshold: string,
   *   value: (subject: string) => number | undefined, pass: (v: number) => boolean }} t
   */
  const target = (t) => {
    for (const [i, subject] of t.subjects.entries()) {
      const v = t.value(subject);
      if (v === undefined) continue;
      out.push({ id: t.id, description: t.description, subject, standIn: i > 0, value: v, unit: t.unit, threshold: t.threshold, result: t.pass(v) ? 'pass' : 'fail' });
      return;
    }
    out.push({ id: t.id, description: t.description, subject: t.subjects[0] ?? '', standIn: false, value: undefined, unit: t.unit, threshold: t.threshold, result: 'unavailable', note: 'not measured in this run' });
  };
  const cell = (/** @type {string} */ scenario, /** @type {string} */ config) => s[scenario]?.[config];
  target({
    id: 'grants-vs-bare',
    description: 'issue 20, chat-c64 req/s: tollgate + grants + onToolCall tap / bare proxy',
    subjects: ['tollgate-grants', 'tollgate-tap'],
    unit: 'x',
    threshold: '>= 0.75',
    value: (c) => cell('chat-c64', c)?.vsBare,
    pass: (v) => v >= 0.75,
  });
  target({
    id: 'grants-vs-portkey',
    description: 'issue 20, chat-c64 req/s: tollgate + grants + onToolCall tap / Portkey',
    subjects: ['tollgate-grants', 'tollgate-tap'],
    unit: 'x',
    threshold: '>= 7',
    value: (c) => cell('chat-c64', c)?.vsPortkey,
    pass: (v) => v >= 7,
  });
  for (const scenario of ['stream-c64', 'stream-long-c64']) {
    target({
      id: `grants-vs-bare-${scenario}`,
      description: `issue 20, ${scenario} req/s: tollgate + grants + onToolCall tap / bare proxy`,
      subjects: ['tollgate-grants', 'tollgate-tap'],
      unit: 'x',
      threshold: '>= 0.7',
      value: (c) => cell(scenario, c)?.vsBare,
      pass: (v) => v >= 0.7,
    });
  }
  target({
    id: 'full-vs-bare',
    description: 'issue 20, chat-c64 req/s: configuration 4 (webhook delivery on every request, backlog drained: sustained) / bare proxy',
    subjects: ['tollgate-full'],
    unit: 'x',
    threshold: '>= 0.5',
    value: (c) => cell('chat-c64', c)?.sustainedVsBare ?? cell('chat-c64', c)?.vsBare,
    pass: (v) => v >= 0.5,
  });
  for (const config of ['tollgate', 'tollgate-grants', 'tollgate-capture', 'tollgate-quotas', 'tollgate-full']) {
    target({
      id: `added-p99-c1-${config}`,
      description: `issue 20, chat-c1 added p99 latency (− direct): ${config}`,
      subjects: [config],
      unit: 'ms',
      threshold: '< 1',
      value: (c) => cell('chat-c1', c)?.addedP99,
      pass: (v) => v < 1,
    });
  }
  for (const scenario of ['chat-c64', 'stream-c64']) {
    target({
      id: `capture-throughput-${scenario}`,
      description: `issue 16/20, ${scenario} req/s: capture on (embedded store, bodies kept) / off (3+grants+tap)`,
      subjects: ['tollgate-capture'],
      unit: 'x',
      threshold: '>= 0.9',
      value: (c) => {
        const on = cell(scenario, c)?.rps;
        const off = cell(scenario, 'tollgate-grants')?.rps;
        return on === undefined || off === undefined ? undefined : round(on / off, 3);
      },
      pass: (v) => v >= 0.9,
    });
  }
  target({
    id: 'ttfb-vs-bare',
    description: 'stream-ttfb time to first byte (p50): configuration 4 − bare proxy',
    subjects: ['tollgate-full', 'tollgate-grants', 'tollgate-tap'],
    unit: 'ms',
    threshold: '<= 1',
    value: (c) => cell('stream-ttfb', c)?.ttfbVsBareP50,
    pass: (v) => v <= 1,
  });
  target({
    id: 'stream-memory',
    description: 'issue 20, peak RSS, 20000-event streams / 5000-event streams (both concurrency 64), capture on: memory does not grow with stream length',
    subjects: ['tollgate-capture', 'tollgate-full', 'tollgate-grants', 'tollgate-tap'],
    unit: 'x',
    threshold: '<= 1.15',
    value: (c) => {
      const xl = cell('stream-xl-c64', c)?.peakRssMb;
      const long = cell('stream-long-c64', c)?.peakRssMb;
      return xl === undefined || long === undefined ? undefined : round(xl / long, 2);
    },
    pass: (v) => v <= 1.15,
  });
  target({
    id: 'webhook-throughput',
    description: 'issue 5, chat-c64 req/s: with an entire_request hook on every request (sustained) / without (configuration 4 / 3+grants+tap)',
    subjects: ['tollgate-full'],
    unit: 'x',
    threshold: '>= 0.6',
    value: () => {
      const full = cell('chat-c64', 'tollgate-full');
      const w = full?.sustainedRps ?? full?.rps;
      const wo = cell('chat-c64', 'tollgate-grants')?.rps;
      return w === undefined || wo === undefined ? undefined : round(w / wo, 3);
    },
    pass: (v) => v >= 0.6,
  });
  target({
    id: 'webhook-p50',
    description: 'issue 5, chat-c1 client p50: with hook − without (must not grow; noise allowance max(0.05 ms, 5%))',
    subjects: ['tollgate-full'],
    unit: 'ms',
    threshold: '<= allowance',
    value: () => {
      const w = cell('chat-c1', 'tollgate-full')?.p50;
      const wo = cell('chat-c1', 'tollgate-grants')?.p50;
      return w === undefined || wo === undefined ? undefined : round(w - wo);
    },
    pass: (v) => v <= Math.max(0.05, 0.05 * (cell('chat-c1', 'tollgate-grants')?.p50 ?? 0)),
  });
  /** chat-c64 req/s of a quotas configuration over the same configuration without quotas. */
  const quotasRatio = (/** @type {string} */ id) => {
    const on = cell('chat-c64', id)?.rps;
    const off = cell('chat-c64', 'tollgate-grants')?.rps;
    return on === undefined || off === undefined ? undefined : round(on / off, 3);
  };
  target({
    id: 'quotas-throughput',
    description: 'issue 18, chat-c64 req/s: quotas on, embedded store (two buckets read and charged per request) / off (3+grants+tap)',
    subjects: ['tollgate-quotas'],
    unit: 'x',
    threshold: '>= 0.9',
    value: quotasRatio,
    pass: (v) => v >= 0.9,
  });
  target({
    id: 'quotas-throughput-pg',
    description: 'issue 18, chat-c64 req/s: quotas on a local PostgreSQL / off (reported, no threshold)',
    subjects: ['tollgate-quotas-pg'],
    unit: 'x',
    threshold: 'reported',
    value: quotasRatio,
    pass: () => true,
  });
  return out;
}
