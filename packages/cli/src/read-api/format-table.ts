/** Lays out rows as aligned columns (the first row is the header), two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** `2026-05-01 13:04:05` (UTC) of an ISO time. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

/** `850ms`, `2.4s`, `-`. */
export function shortMs(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** `1234`, `12.3k`, `4.5M`. */
export function shortCount(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** `$1.23`, `$0.0042`, `-`. */
export function dollars(d: number | null): string {
  if (d === null) return '-';
  return d !== 0 && Math.abs(d) < 0.01 ? `$${d.toPrecision(2)}` : `$${d.toFixed(2)}`;
}

/** Text cut to `max` characters (with `…`). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
