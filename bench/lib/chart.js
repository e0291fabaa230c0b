/**
 * The results chart: small multiples of horizontal bars (one panel per scenario and metric),
 * drawn as SVG by hand and converted to PNG with `rsvg-convert` (Debian: librsvg2-bin) when it
 * is installed. Without it the SVG is still written and the PNG is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const COLORS = {
  direct: '#9e9e9e',
  bare: '#546e7a',
  tollgate: '#1e88e5',
  'tollgate-tap': '#42a5f5',
  'tollgate-grants': '#1565c0',
  'tollgate-full': '#0d47a1',
  'tollgate-full-workers': '#00897b',
  'tollgate-workers': '#26a69a',
  portkey: '#e53935',
};

/** @param {string} s */
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @typedef {{ title: string, unit: string, digits: number, bars: Array<{ id: string, label: string, value: number }> }} Panel
 */

const PANEL_W = 520;
const LABEL_W = 170;
const BAR_H = 18;
const GAP = 5;
const HEAD = 30;

/** @param {Panel} p @param {number} x @param {number} y */
function drawPanel(p, x, y) {
  const max = Math.max(...p.bars.map((b) => b.value), 1e-9);
  const span = PANEL_W - LABEL_W - 80;
  const out = [`<text x="${x}" y="${y + 18}" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  p.bars.forEach((b, i) => {
    const by = y + HEAD + i * (BAR_H + GAP);
    const w = Math.max(1, (b.value / max) * span);
    const color = COLORS[/** @type {keyof typeof COLORS} */ (b.id)] ?? '#777';
    out.push(
      `<text x="${x + LABEL_W - 8}" y="${by + 13}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${x + LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"/>`,
      `<text x="${x + LABEL_W + w + 6}" y="${by + 13}" font-size="12">${b.value.toFixed(p.digits)}${esc(p.unit)}</text>`,
    );
  });
  return out.join('\n');
}

/** @param {Panel} p */
const panelHeight = (p) => HEAD + p.bars.length * (BAR_H + GAP) + 20;

/**
 * @param {import('./report.js').BenchResults} r
 * @returns {Panel[]}
 */
export function chartPanels(r) {
  /** @type {Panel[]} */
  const panels = [];
  const configs = r.configurations.filter((c) => c.available);
  /**
   * @param {string} scenario @param {string} title @param {string} unit @param {number} digits
   * @param {(s: import('./summarize.js').CellSummary) => number | undefined} metric
   * @param {(id: string) => boolean} [include]
   */
  const add = (scenario, title, unit, digits, metric, include = () => true) => {
    const cells = r.summary[scenario];
    if (cells === undefined) return;
    const bars = configs
      .filter((c) => include(c.id))
      .map((c) => ({ id: c.id, label: c.label, value: cells[c.id] === undefined ? undefined : metric(cells[c.id]) }))
      .filter((b) => b.value !== undefined && Number.isFinite(b.value));
    if (bars.length > 0) panels.push({ title, unit, digits, bars: /** @type {Panel['bars']} */ (bars) });
  };
  for (const sc of r.scenarios) {
    // `direct` is left out of the throughput panels (it would squash every proxy's bar); its value is in the title.
    const direct = r.summary[sc.id]?.direct?.rps;
    const note = direct === undefined ? '' : `; direct ${Math.round(direct)}`;
    if (sc.kind === 'load') add(sc.id, `${sc.id}: requests/s (higher is better${note})`, '', 0, (s) => s.rps, (id) => id !== 'direct');
  }
  add('chat-c1', 'chat-c1: added p99 latency vs direct, ms (lower is better)', ' ms', 3, (s) => s.addedP99, (id) => id !== 'direct');
  add('stream-ttfb', 'stream-ttfb: time to first byte p50, ms (lower is better)', ' ms', 3, (s) => s.ttfbP50);
  add('stream-long-c64', 'stream-long-c64 (5000 events): peak RSS, MB', ' MB', 1, (s) => s.peakRssMb, (id) => id !== 'direct');
  add('stream-xl-c64', 'stream-xl-c64 (20000 events): peak RSS, MB', ' MB', 1, (s) => s.peakRssMb, (id) => id !== 'direct');
  return panels;
}

/**
 * @param {import('./report.js').BenchResults} r
 * @returns {string}
 */
export function renderSvg(r) {
  const panels = chartPanels(r);
  const cols = 2;
  const rows = [];
  for (let i = 0; i < panels.length; i += cols) rows.push(panels.slice(i, i + cols));
  let y = r.meta.label ? 68 : 50;
  /** @type {string[]} */
  const parts = [];
  for (const row of rows) {
    row.forEach((p, i) => parts.push(drawPanel(p, 20 + i * (PANEL_W + 20), y)));
    y += Math.max(...row.map(panelHeight));
  }
  const width = 20 + cols * (PANEL_W + 20);
  const machine = /** @type {{ cores?: number, node?: string }} */ (r.meta.machine);
  const title = `tollgate benchmark, ${r.meta.date.slice(0, 10)} (${machine.cores ?? '?'} cores, Node ${machine.node ?? '?'}; medians of ${r.meta.runs} runs)`;
  const label = r.meta.label ? `<text x="20" y="52" font-size="13" fill="#b71c1c">${esc(r.meta.label.length > 150 ? `${r.meta.label.slice(0, 147)}...` : r.meta.label)}</text>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="30" font-size="17" font-weight="bold">${esc(title)}</text>`,
    label,
    ...parts,
    '</svg>',
  ].join('\n');
}

/**
 * Writes `<base>.svg` and, when `rsvg-convert` is available, `<base>.png`.
 * @param {import('./report.js').BenchResults} r
 * @param {string} base path without extension
 * @returns {{ svg: string, png?: string, skipped?: string }}
 */
export function writeChart(r, base) {
  const svg = `${base}.svg`;
  writeFileSync(svg, renderSvg(r));
  const png = `${base}.png`;
  const res = spawnSync('rsvg-convert', ['--format', 'png', '--zoom', '1.5', '--output', png, svg], { encoding: 'utf8' });
  if (res.error !== undefined) return { svg, skipped: 'rsvg-convert not found (apt-get install librsvg2-bin); the SVG is written' };
  if (res.status !== 0) return { svg, skipped: `rsvg-convert failed: ${res.stderr.trim()}` };
  return { svg, png };
}
