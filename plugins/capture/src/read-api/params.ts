import { refuse } from '@tollgate/core';
import type { ToolDecision } from '../types.js';

/** Filters of the read API's list and aggregate endpoints (contracts section 3). */
export interface Filters {
  readonly user?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly tool?: string;
  readonly decision?: ToolDecision;
  readonly session?: string;
  /** Status range, inclusive (`200`, or `4xx` as 400..499). */
  readonly status?: { readonly min: number; readonly max: number };
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
  readonly hasToolCalls?: boolean;
}

/** Whose traffic the caller may read. */
export interface Viewer {
  /** The caller's login. */
  readonly login: string;
  /** Admins read everyone's traffic; everyone else only their own. */
  readonly admin: boolean;
}

/** A 400 problem naming the parameter. */
export function badParam(name: string, message: string): Error {
  return refuse({ status: 400, kind: 'invalid_request', code: 'invalid_parameter', message: `${name}: ${message}`, details: { parameter: name } });
}

const RELATIVE = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A time parameter as epoch ms: relative to `now` (`30m`, `24h`, `7d`, `2w`: that long ago), or an
 * ISO-8601 date or time (`2026-05-01`, `2026-05-01T13:00:00Z`; without a zone, UTC).
 */
export function parseTime(name: string, value: string, now: number): number {
  const rel = RELATIVE.exec(value);
  if (rel !== null) return now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10 ? value : `${value}Z`;
    const t = Date.parse(zoned);
    if (!Number.isNaN(t)) return t;
  }
  throw badParam(name, `"${value.slice(0, 64)}" is not a time (an ISO-8601 date or time, or relative: 30m, 24h, 7d)`);
}

function text(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > 512) throw badParam(name, 'is too long');
  return v;
}

/** The filters of a query string; invalid values are refused with 400. */
export function parseFilters(q: URLSearchParams, now: number): Filters {
  const decision = text(q, 'decision');
  if (decision !== undefined && decision !== 'allow' && decision !== 'block' && decision !== 'strip') throw badParam('decision', 'must be allow, block or strip');
  const statusText = text(q, 'status');
  let status: Filters['status'];
  if (statusText !== undefined) {
    const cls = /^([1-5])xx$/i.exec(statusText);
    if (cls !== null) status = { min: Number(cls[1]) * 100, max: Number(cls[1]) * 100 + 99 };
    else if (statusText === 'error') status = { min: 400, max: 999 };
    else if (/^\d{3}$/.test(statusText)) status = { min: Number(statusText), max: Number(statusText) };
    else throw badParam('status', 'must be a status code (200), a class (4xx) or "error"');
  }
  const sinceText = text(q, 'since');
  const untilText = text(q, 'until');
  const hasText = text(q, 'has_tool_calls');
  if (hasText !== undefined && hasText !== 'true' && hasText !== 'false') throw badParam('has_tool_calls', 'must be true or false');
  return {
    user: text(q, 'user'),
    model: text(q, 'model'),
    provider: text(q, 'provider'),
    tool: text(q, 'tool'),
    decision: decision as ToolDecision | undefined,
    session: text(q, 'session'),
    status,
    since: sinceText === undefined ? undefined : parseTime('since', sinceText, now),
    until: untilText === undefined ? undefined : parseTime('until', untilText, now),
    hasToolCalls: hasText === undefined ? undefined : hasText === 'true',
  };
}

/** `?limit=`: default `fallback`, at most `max`. */
export function parseLimit(q: URLSearchParams, fallback: number, max: number): number {
  const v = q.get('limit');
  if (v === null || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw badParam('limit', `must be an integer from 1 to ${max}`);
  return Number(v);
}

/** An opaque cursor: the sort key of the last row of a page. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The sort key of `?cursor=` (checked against `shape`: `n` number, `s` string), or undefined. */
export function decodeCursor(q: URLSearchParams, shape: string): (string | number)[] | undefined {
  const v = q.get('cursor');
  if (v === null || v === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(v, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === shape.length &&
    parsed.every((x, i) => (shape[i] === 'n' ? typeof x === 'number' && Number.isFinite(x) : typeof x === 'string'));
  if (!ok) throw badParam('cursor', 'is not a cursor this endpoint gave out');
  return parsed as (string | number)[];
}
