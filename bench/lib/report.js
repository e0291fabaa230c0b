/** Writes a run's results as Markdown (tables per scenario, targets, configurations). */

/**
 * @typedef {object} BenchResults
 * @property {Record<string, unknown> & { date: string, command: string, label: string, machine: Record<string, unknown>, durationS: number, warmupS: number, runs: number }} meta
 * @property {Array<{ id: string, label: string, description: string, available: boolean, reason?: string, version?: string }>} configurations
 * @property {import('./scenarios.js').Scenario[]} scenarios
 * @property {Record<string, Record<string, Array<import('./cell.js').CellRun | undefined>>>} raw
 * @property {Record<string, Record<string, string>>} errors scenario → config → why it was not measured
 * @property {Record<string, Record<string, import('./summarize.js').CellSummary>>} summary
 * @property {import('./summarize.js').TargetResult[]} targets
 */

/** @param {number | undefined} v @param {number} [digits] */
const n = (v, digits = 2) => (v === undefined ? '–' : v.toFixed(digits));
/** @param {number | undefined} v */
const signed = (v) => (v === undefined ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
/** @param {number | undefined} v */
const int = (v) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

/**
 * @param {BenchResults} r
 * @returns {string}
 */
export function renderMarkdown(r) {
  const m = r.meta;
  const labelOf = new Map(r.configurations.map((c) => [c.id, c.label]));
  const lines = [];
  lines.push('# tollgate benchmark results', '');
  if (m.label) lines.push(`> **${m.label}**`, '');
  const machine = /** @type {{ cpu: string, cores: number, memGiB: number, kernel: string, node: string, loadavg: number[] }} */ (m.machine);
  lines.push(
    `- Date: ${m.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, Linux ${machine.kernel}; Node ${machine.node}; load average at start ${machine.loadavg.map((x) => x.toFixed(2)).join(' ')}`,
    `- Command: \`${m.command}\``,
    `- Each cell: ${m.warmupS} s warm-up, then ${m.durationS} s measured; ${m.runs} run(s), medians reported. Every scenario starts fresh server processes; within it, each run measures every configuration in turn (order rotated per run).`,
    '- Load generator (autocannon), fake upstream, hook receiver and the proxy under test share the same cores.',
    '',
  );
  lines.push('## Targets', '', '| target | configuration | measured | threshold | result |', '|---|---|---|---|---|');
  for (const t of r.targets) {
    const subject = `${labelOf.get(t.subject) ?? t.subject}${t.standIn ? ' (stand-in)' : ''}`;
    const value = t.value === undefined ? '–' : `${t.value}${t.unit === 'x' ? 'x' : ` ${t.unit}`}`;
    lines.push(`| ${t.description} | ${t.result === 'unavailable' ? '–' : subject} | ${value} | ${t.threshold} | ${t.result}${t.note ? ` (${t.note})` : ''} |`);
  }
  lines.push('');
  for (const sc of r.scenarios) {
    const cells = r.summary[sc.id] ?? {};
    lines.push(`## ${sc.id}: ${sc.title}`, '');
    if (sc.kind === 'probe') {
      lines.push('| configuration | TTFB p50 ms | TTFB p99 ms | TTFB vs bare (p50) | total p50 ms | total p99 ms | req/s | peak RSS MB |', '|---|---|---|---|---|---|---|---|');
    } else {
      lines.push('| configuration | req/s | p50 ms | p99 ms | added p50 | added p99 | peak RSS MB | CPU µs/req | vs bare | vs Portkey | vs bare (CPU) |', '|---|---|---|---|---|---|---|---|---|---|---|');
    }
    for (const c of r.configurations) {
      const s = cells[c.id];
      const error = r.errors[sc.id]?.[c.id];
      if (s === undefined || s.runs === 0) {
        const full = !c.available ? `unavailable: ${c.reason}` : (error ?? 'not measured');
        const why = full.length > 160 ? `${full.slice(0, 157)}...` : full;
        lines.push(`| ${c.label} | ${why} |${' |'.repeat(sc.kind === 'probe' ? 6 : 9)}`);
        continue;
      }
      const flag = s.failed > 0 ? ` ⚠ ${s.failed} failed` : '';
      if (sc.kind === 'probe') {
        lines.push(`| ${c.label}${flag} | ${n(s.ttfbP50, 3)} | ${n(s.ttfbP99, 3)} | ${signed(s.ttfbVsBareP50)} | ${n(s.totalP50, 3)} | ${n(s.totalP99, 3)} | ${int(s.rps)} | ${n(s.peakRssMb, 1)} |`);
      } else {
        const ratioBare = s.vsBare === undefined ? '–' : `${s.vsBare.toFixed(2)}x`;
        const ratioPk = s.vsPortkey === undefined ? '–' : `${s.vsPortkey.toFixed(1)}x`;
        const cpuRatio = s.cpuVsBare === undefined ? '–' : `${s.cpuVsBare.toFixed(2)}x`;
        lines.push(`| ${c.label}${flag} | ${int(s.rps)} | ${n(s.p50, 3)} | ${n(s.p99, 3)} | ${signed(s.addedP50)} | ${signed(s.addedP99)} | ${n(s.peakRssMb, 1)} | ${int(s.cpuUsPerReq)} | ${ratioBare} | ${ratioPk} | ${cpuRatio} |`);
      }
    }
    const delivering = Object.entries(cells).filter(([, s]) => s.deliveryRatio !== undefined);
    for (const [id, s] of delivering) {
      const vs = s.sustainedVsBare === undefined ? '' : ` (${s.sustainedVsBare.toFixed(2)}x bare)`;
      lines.push(
        '',
        `${labelOf.get(id) ?? id}: ${s.deliveryRatio} webhook deliveries arrived during the window per request answered; the backlog took ${n(s.drainS)} s more to drain, so the sustained rate (every delivery done) is ${int(s.sustainedRps)} req/s${vs}.`,
      );
    }
    lines.push('');
  }
  lines.push('## Configurations', '', '| configuration | what it is | status |', '|---|---|---|');
  for (const c of r.configurations) lines.push(`| ${c.label} (\`${c.id}\`) | ${c.description}${c.version ? ` (v${c.version})` : ''} | ${c.available ? 'measured' : `unavailable: ${c.reason}`} |`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
