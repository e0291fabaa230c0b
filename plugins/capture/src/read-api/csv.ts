import { stringify } from 'csv-stringify/sync';
import type { RouteContext } from '@tollgate/core';

/** True when the caller asked for CSV (`Accept: text/csv` preferred over JSON). */
export function wantsCsv(ctx: RouteContext): boolean {
  return ctx.accepts('application/json', 'text/csv') === 'text/csv';
}

/**
 * Answers `rows` as CSV with a header line: `null` as an empty cell, booleans as `true`/`false`,
 * and text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) prefixed
 * with `'` (the data comes from callers and models). `nextCursor`, when there is more, goes in
 * `X-Next-Cursor`.
 */
export function answerCsv(ctx: RouteContext, rows: readonly Record<string, unknown>[], columns: readonly string[], nextCursor?: string | null): void {
  ctx.type = 'text/csv; charset=utf-8';
  if (nextCursor !== undefined && nextCursor !== null) ctx.set('x-next-cursor', nextCursor);
  ctx.body = stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
}
