import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ToolUse } from '../api-types.js';
import { bucketTime, formatInt } from '../format.js';

/** Colours of the decisions (also in styles.css). */
export const DECISION_COLORS = { allow: '#2b8a3e', block: '#c92a2a', strip: '#e67700' } as const;

/** Most buckets drawn (gaps are filled with zeros up to this many). */
const MAX_BUCKETS = 2000;

/** One bucket of the histogram. */
interface Bucket {
  readonly t: number;
  readonly allow: number;
  readonly block: number;
  readonly strip: number;
}

/**
 * Buckets sorted by time, with zeros for the empty buckets of the period shown (`range`, epoch
 * seconds, widened to hold every bucket the API returned). Empty when no bucket has a call.
 */
export function buckets(groups: ToolUse['groups'], stepSeconds: number, range?: { from: number; to: number }): Bucket[] {
  const byTime = new Map<number, Bucket>();
  for (const g of groups) {
    const t = bucketTime(g.key);
    if (t !== undefined) byTime.set(t, { t, allow: g.allow, block: g.block, strip: g.strip });
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length === 0) return [];
  const align = (t: number): number => Math.floor(t / stepSeconds) * stepSeconds;
  const first = Math.min(times[0]!, range === undefined ? Infinity : align(range.from));
  const last = Math.max(times[times.length - 1]!, range === undefined ? -Infinity : align(range.to));
  if ((last - first) / stepSeconds > MAX_BUCKETS) return times.map((t) => byTime.get(t)!);
  const out: Bucket[] = [];
  for (let t = first; t <= last; t += stepSeconds) out.push(byTime.get(t) ?? { t, allow: 0, block: 0, strip: 0 });
  return out;
}

/** Props of {@link ToolHistogram}. */
export interface ToolHistogramProps {
  /** `/api/tool-use?group_by=hour|day` groups. */
  readonly groups: ToolUse['groups'];
  /** Bucket size. */
  readonly unit: 'hour' | 'day';
  /** The period shown (epoch seconds); empty buckets in it are drawn as zeros. */
  readonly range?: { readonly from: number; readonly to: number };
}

/**
 * Tool calls over time as stacked bars (allowed, blocked, stripped), drawn with uPlot on a
 * canvas. The same numbers are in a table under "Show data" for screen readers and copying.
 */
export function ToolHistogram(props: ToolHistogramProps): VNode {
  const step = props.unit === 'hour' ? 3600 : 86400;
  const data = buckets(props.groups, step, props.range);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (el === null || data.length === 0) return;
    const xs = data.map((b) => b.t);
    const allow = data.map((b) => b.allow);
    const block = data.map((b) => b.block);
    const strip = data.map((b) => b.strip);
    // Stacked by drawing the running totals back to front; the legend shows each decision's own count.
    const raw = [xs, strip, block, allow];
    const stacked: uPlot.AlignedData = [xs, data.map((b) => b.allow + b.block + b.strip), data.map((b) => b.allow + b.block), allow];
    const bars = uPlot.paths.bars!({ size: [0.8, 48], align: 0 });
    const series = (label: string, color: string): uPlot.Series => ({
      label,
      fill: color,
      stroke: color,
      width: 0,
      paths: bars,
      points: { show: false },
      value: (_u, _v, si, idx) => (idx === null ? '–' : formatInt(raw[si]?.[idx] ?? 0)),
    });
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: 220,
      scales: { x: { time: true, range: () => [xs[0]! - step / 2, xs[xs.length - 1]! + step / 2] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? formatInt(t) : '')) }],
      series: [{ label: props.unit === 'hour' ? 'Hour' : 'Day' }, series('stripped', DECISION_COLORS.strip), series('blocked', DECISION_COLORS.block), series('allowed', DECISION_COLORS.allow)],
      cursor: { points: { show: false } },
    };
    const plot = new uPlot(opts, stacked, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(data), props.unit]);

  if (data.length === 0) return html`<p class="muted">No tool calls in this period.</p>`;
  const label = (t: number): string => new Date(t * 1000).toLocaleString(undefined, props.unit === 'hour' ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { year: 'numeric', month: 'short', day: 'numeric' });
  return html`<figure class="histogram">
    <div ref=${ref} class="histogram-canvas" aria-hidden="true"></div>
    <figcaption class="muted">Tool calls per ${props.unit}, by decision</figcaption>
    <details>
      <summary>Show data</summary>
      <table class="table">
        <thead><tr><th scope="col">${props.unit === 'hour' ? 'Hour' : 'Day'}</th><th scope="col">Allowed</th><th scope="col">Blocked</th><th scope="col">Stripped</th></tr></thead>
        <tbody>${data.filter((b) => b.allow + b.block + b.strip > 0).map((b) => html`<tr><td>${label(b.t)}</td><td>${formatInt(b.allow)}</td><td>${formatInt(b.block)}</td><td>${formatInt(b.strip)}</td></tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}
