/**
 * The soak's verdicts and its Markdown report. A run passes when memory is flat (the heap after a
 * full GC and the RSS do not trend upwards over the second half of the run), no hook delivery was
 * lost (distinct delivery ids accepted by the receiver = the events the gateway owed it) and no
 * client got an unexpected error.
 */

/**
 * Least-squares slope of `y` over `x`.
 * @param {number[]} x
 * @param {number[]} y
 */
export function slope(x, y) {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((x[i] ?? 0) - mx) * ((y[i] ?? 0) - my);
    den += ((x[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Heap growth (MB per minute, after a full GC) a run may show and still count as flat. */
export const MAX_HEAP_SLOPE = 0.5;
/** RSS growth (MB per minute) a run may show and still count as flat. */
export const MAX_RSS_SLOPE = 2;

/**
 * @typedef {object} SoakSample
 * @property {number} t seconds since the load started
 * @property {number} rssMB
 * @property {number} heapUsedMB heap after a full GC
 * @property {number} externalMB
 * @property {{ p50: number, p99: number, max: number, mean: number }} eventLoopDelayMs since the previous sample
 * @property {{ count: number, totalMs: number, maxMs: number }} gc pauses since the previous sample (forced ones left out)
 * @property {number} activeResources
 * @property {number} requests client requests completed so far
 * @property {number} errors unexpected client errors so far
 * @property {number} delivered distinct delivery ids the receiver accepted so far
 * @property {number} queueDepth the hook's backlog in the gateway
 * @property {boolean} receiverUp
 */

/**
 * @param {{ samples: SoakSample[], expected: number, delivered: number, errors: number, webhook: Record<string, number> | undefined }} run
 */
export function verdicts(run) {
  const second = run.samples.filter((s) => s.t >= (run.samples.at(-1)?.t ?? 0) / 2);
  const minutes = second.map((s) => s.t / 60);
  const heapSlope = slope(minutes, second.map((s) => s.heapUsedMB));
  const rssSlope = slope(minutes, second.map((s) => s.rssMB));
  const memoryFlat = heapSlope <= MAX_HEAP_SLOPE && rssSlope <= MAX_RSS_SLOPE;
  const lost = run.expected - run.delivered;
  const noLostDeliveries = lost === 0 && (run.webhook?.failed ?? 0) === 0 && (run.webhook?.dropped ?? 0) === 0;
  return { heapSlope, rssSlope, memoryFlat, lost, noLostDeliveries, noClientErrors: run.errors === 0, pass: memoryFlat && noLostDeliveries && run.errors === 0 };
}

/** @param {number} x @param {number} [digits] */
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/**
 * @param {any} report the JSON report
 * @returns {string}
 */
export function renderSoakMarkdown(report) {
  const v = report.verdicts;
  const s = /** @type {SoakSample[]} */ (report.samples);
  const first = s.find((x) => x.t >= 60) ?? s[0];
  const last = s.at(-1);
  const eld = report.eventLoopDelayMs;
  const lines = [
    `# Soak: ${report.minutes} minutes of steady load with a flapping hook receiver`,
    '',
    `${report.startedAt}, commit ${report.commit ?? 'unknown'}, Node ${report.machine.node}, ${report.machine.cores} cores (${report.machine.cpu}), load average ${fmt(report.machine.loadavgStart?.[0] ?? NaN, 2)} at the start and ${fmt(report.machine.loadavgEnd?.[0] ?? NaN, 2)} at the end. Command: \`${report.command}\`.`,
    '',
    `**Verdict: ${v.pass ? 'PASS' : 'FAIL'}** — memory ${v.memoryFlat ? 'flat' : 'GROWING'}, ${v.lost === 0 ? 'zero lost deliveries' : `${v.lost} deliveries LOST`}, ${report.client.errors === 0 ? 'zero unexpected client errors' : `${report.client.errors} client ERRORS`}.`,
    '',
    '## Load',
    '',
    `- ${report.client.requests} requests (${report.client.streamed} streamed, ${report.client.requests - report.client.streamed} not), ${fmt(report.client.rps)} req/s at ${report.load.concurrency} connections, every answer a \`get_weather\` tool call checked by an \`onToolCall\` tap.`,
    `- Grants + webhook: every request sends \`entire_request\` and \`tool_call_entire_request\` to one receiver (${report.load.events} events a request).`,
    `- Receiver: up ${report.load.flap.upSeconds} s, down ${report.load.flap.downSeconds} s (connection refused, connections in flight dropped), up answering 503 + \`Retry-After: 1\` for ${report.load.flap.unavailableSeconds} s, repeat (${report.flaps} outages).`,
    '',
    '## Results',
    '',
    '| | value |',
    '|---|---|',
    `| client errors (non-200, cut-off stream, wrong body) | ${report.client.errors}${report.client.errors > 0 ? ` (${JSON.stringify(report.client.errorKinds)})` : ''} |`,
    `| hook events owed (requests × ${report.load.events}) | ${report.deliveries.expected} |`,
    `| distinct delivery ids accepted by the receiver | ${report.deliveries.delivered} |`,
    `| lost | ${v.lost} |`,
    `| redelivered ids (at-least-once, deduplicated) | ${report.deliveries.duplicates} |`,
    `| gateway counters: sent / failed / dropped / retried | ${report.webhook?.sent} / ${report.webhook?.failed} / ${report.webhook?.dropped} / ${report.webhook?.retried} |`,
    `| backlog drained after the load stopped | ${fmt(report.drainSeconds)} s |`,
    `| RSS after 1 min / end / max | ${fmt(first?.rssMB ?? NaN)} / ${fmt(last?.rssMB ?? NaN)} / ${fmt(Math.max(...s.map((x) => x.rssMB)))} MB |`,
    `| heap after GC, after 1 min / end | ${fmt(first?.heapUsedMB ?? NaN, 2)} / ${fmt(last?.heapUsedMB ?? NaN, 2)} MB |`,
    `| trend over the second half: heap / RSS | ${fmt(v.heapSlope, 3)} / ${fmt(v.rssSlope, 3)} MB/min (flat: ≤ ${report.thresholds.heapSlope} / ≤ ${report.thresholds.rssSlope}) |`,
    `| event-loop delay per sample: median p50 / median p99 / worst max | ${fmt(eld.p50, 2)} / ${fmt(eld.p99, 2)} / ${fmt(eld.max, 2)} ms |`,
    `| gateway log lines: warn / error | ${report.log?.warn} / ${report.log?.error} |`,
    '',
  ];
  if (report.warnings !== undefined && Object.keys(report.warnings).length > 0) {
    lines.push('Warnings and errors the gateway logged (message: count):', '');
    for (const [msg, n] of Object.entries(report.warnings)) lines.push(`- \`${msg}\`: ${n}`);
    lines.push('');
  }
  lines.push('## Over time (one row a minute)', '', '| t (min) | requests | errors | delivered | backlog | receiver | RSS MB | heap MB | ELD p99 ms | ELD max ms | longest GC ms |', '|---|---|---|---|---|---|---|---|---|---|---|');
  let next = 0;
  for (const x of s) {
    if (x.t < next && x !== last) continue;
    next = x.t + 60;
    lines.push(`| ${fmt(x.t / 60, 1)} | ${x.requests} | ${x.errors} | ${x.delivered} | ${x.queueDepth} | ${x.receiverUp ? 'up' : 'down'} | ${fmt(x.rssMB)} | ${fmt(x.heapUsedMB, 2)} | ${fmt(x.eventLoopDelayMs.p99, 2)} | ${fmt(x.eventLoopDelayMs.max, 2)} | ${fmt(x.gc?.maxMs ?? NaN)} |`);
  }
  lines.push('', `Every sample (every ${report.load.sampleSeconds} s) is in \`${report.jsonFile}\`.`, '');
  return lines.join('\n');
}
