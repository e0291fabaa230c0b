import type { SpoolStatus } from '@tollgate/plugin-webhook';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function ago(now: number, at: number | undefined): string {
  if (at === undefined) return '-';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/**
 * Renders a webhook spool for a terminal: events still pending per hook, then each gateway
 * process's last counters (written every few seconds while it runs).
 */
export function formatSpoolStatus(status: SpoolStatus, now: number = Date.now()): string {
  const out = [`spool ${status.root}`, ''];
  if (status.hooks.length === 0) out.push('no hook has spooled an event yet');
  else {
    out.push(
      ...table([
        ['hook', 'pending', 'oldest pending', 'segments', 'bytes', 'corrupt'],
        ...status.hooks.map((h) => [h.name, String(h.pendingEvents), ago(now, h.oldestEventAt), String(h.segments), bytes(h.bytes), String(h.corruptRecords)]),
      ]),
    );
  }
  out.push('');
  if (status.processes.length === 0) out.push('no gateway process is using this spool');
  for (const p of status.processes) {
    out.push(`process ${p.pid} on ${p.hostname}: ${p.alive ? 'running' : 'gone'}, started ${ago(now, p.startedAt)}, counters from ${ago(now, p.updatedAt)}`);
    const hooks = Object.entries(p.hooks);
    if (hooks.length === 0) continue;
    out.push(
      ...table([
        ['hook', 'sent', 'failed', 'retried', 'dropped', 'queued', 'in flight', 'last error'],
        ...hooks.map(([name, s]) => [name, String(s.sent), String(s.failed), String(s.retried), String(s.dropped), String(s.queueDepth), String(s.inFlight), s.lastError === undefined ? '-' : `${s.lastError.message} (${ago(now, s.lastError.at)})`]),
      ]).map((l) => `  ${l}`),
    );
  }
  return `${out.join('\n')}\n`;
}
