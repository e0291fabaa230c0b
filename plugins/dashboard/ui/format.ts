/** Display helpers. Every function returns plain text; nothing here builds markup. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** `12,345`, or an em dash for null. */
export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer.format(n);
}

/** `12.3K` for large token counts. */
export function formatCompact(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n < 10_000 ? integer.format(n) : compact.format(n);
}

/** Dollars: `$1.23`, `$0.0042` for small amounts, an em dash when unknown. */
export function formatDollars(d: number | null | undefined): string {
  if (d === null || d === undefined) return '—';
  if (d !== 0 && Math.abs(d) < 0.01) return `$${d.toPrecision(2)}`;
  return `$${d.toFixed(2)}`;
}

/** Local date and time, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `850 ms`, `2.4 s`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1) return `${ms.toFixed(1)} ms`;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Pretty JSON of a body: strings that hold JSON are re-indented, other strings kept as they are. */
export function formatBody(body: unknown): string {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return JSON.stringify(body, null, 2);
}

/** Decision word as shown: allowed, blocked, stripped. */
export function decisionLabel(d: string): string {
  return d === 'allow' ? 'allowed' : d === 'block' ? 'blocked' : d === 'strip' ? 'stripped' : d;
}

/**
 * Parses a time-bucket key of `/api/tool-use?group_by=hour|day` into epoch seconds: `2026-05-01`,
 * `2026-05-01T13`, `2026-05-01T13:00`, or any full ISO time (UTC unless a zone is given).
 */
export function bucketTime(key: string): number | undefined {
  let iso = key;
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) iso = `${key}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}$/.test(key)) iso = `${key.replace(' ', 'T')}:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(key)) iso = `${key.replace(' ', 'T')}Z`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t / 1000;
}
