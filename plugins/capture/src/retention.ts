import type { ConfigIssue } from '@tollgate/core';
import type { DatabaseConfig } from './schema.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Shortest retention Aperture accepts. */
export const MIN_RETENTION_MS = HOUR_MS;
/** Longest retention Aperture accepts (3650 days). */
export const MAX_RETENTION_MS = 3650 * DAY_MS;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a retention duration: a Go duration with days allowed (`720h`, `30d`, `90d12h`). Returns
 * milliseconds, or undefined when the text is not one.
 */
export function parseRetentionDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = PART.lastIndex;
  }
  return total;
}

/** What the capture plugin keeps, and for how long, as `database` says. */
export interface RetentionPolicy {
  /** Bodies and headers are written at all (`duration` is not `"0"`). */
  readonly keepCaptures: boolean;
  /** Tool-call records are written at all (not when `"0"` and `purge` lists `tools`). */
  readonly keepTools: boolean;
  /** How long captures are kept; undefined: forever (or not kept at all). */
  readonly maxAgeMs: number | undefined;
  /** A purge also deletes tool-call records. */
  readonly purgeTools: boolean;
  /** True when a purge runs at all. */
  readonly purges: boolean;
}

/** The policy of a validated `database` section (call {@link retentionIssues} first). */
export function retentionPolicy(database: DatabaseConfig): RetentionPolicy {
  const { duration, purge, require_export: requireExport } = database.retention;
  const text = duration.trim();
  const purgeTools = purge.includes('tools');
  if (text === '0') return { keepCaptures: false, keepTools: !purgeTools, maxAgeMs: undefined, purgeTools, purges: false };
  const maxAgeMs = text === '' ? undefined : parseRetentionDuration(text);
  return { keepCaptures: true, keepTools: true, maxAgeMs, purgeTools, purges: maxAgeMs !== undefined && !requireExport };
}

/** Errors and warnings about `database.retention` and the parts of `database` tollgate reads differently. */
export function retentionIssues(database: DatabaseConfig, owner: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const path = `${owner}/database/retention`;
  const text = database.retention.duration.trim();
  if (text !== '' && text !== '0') {
    const ms = parseRetentionDuration(text);
    if (ms === undefined) issues.push({ severity: 'error', path: `${path}/duration`, message: `"${text}" is not a duration (expected "" for forever, "0" for none, or e.g. "720h", "30d")` });
    else if (ms < MIN_RETENTION_MS) issues.push({ severity: 'error', path: `${path}/duration`, message: `must be at least 1h (got "${text}")` });
    else if (ms > MAX_RETENTION_MS) issues.push({ severity: 'error', path: `${path}/duration`, message: `must be at most 3650d (got "${text}")` });
  }
  if (!database.retention.purge.includes('captures')) {
    issues.push({ severity: 'error', path: `${path}/purge`, message: 'must list "captures" (["captures"] or ["captures", "tools"])' });
  }
  if (database.retention.require_export && text !== '' && text !== '0') {
    issues.push({ severity: 'warning', path: `${path}/require_export`, message: 'tollgate has no exporters yet: with require_export true, nothing is exported and so nothing is purged' });
  }
  return issues;
}
