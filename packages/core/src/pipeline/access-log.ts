import type { Logger } from 'pino';
import type { ApiError } from '../types/api-error.js';
import type { Exchange } from '../types/exchange.js';
import { REFUSED_BY } from './identify-caller.js';

/** Per root logger, the child that writes access lines (see {@link logAccess}). */
const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * The access logger of `root`: a child without pino's redaction paths. The access line holds only
 * flat values core fills in (no headers, keys or bodies), so those paths never match it, but pino
 * runs every wildcard path (`*.apikey`, ...) against every field of every line, a measurable share of
 * a proxied request's CPU. The secret scrub on the serialised line still applies.
 * It follows the root's level, which a reload changes.
 */
function accessLoggerOf(root: Logger): Logger {
  let access = accessLoggers.get(root);
  if (access === undefined) {
    access = root.child({}, { redact: [] });
    accessLoggers.set(root, access);
  }
  if (access.level !== root.level) access.level = root.level;
  return access;
}

/** The identity resolver that refused the caller, when an error says so (see `identifyCaller`). */
export function refusedByOf(error: ApiError): string | undefined {
  const by = error.details?.[REFUSED_BY];
  return typeof by === 'string' ? by : undefined;
}

/**
 * Writes the one access line of a request through the root logger `root`, bound to the request id
 * like the request's own logger: status, path, model, provider, identity, timings, tool calls,
 * decisions. Short: no method (always POST) or format (the path says it), zero counts left out.
 * At `warn` when the provider answered 4xx/5xx or the gateway answered 5xx, else `info`.
 */
export function logAccess(root: Logger, e: Exchange): void {
  const warn = (e.upstreamStatus !== undefined && e.upstreamStatus >= 400) || e.status >= 500;
  if (!root.isLevelEnabled(warn ? 'warn' : 'info')) return;
  const line: Record<string, unknown> = {
    reqId: e.requestId,
    status: e.status,
    path: e.path,
    model: e.model,
    provider: e.provider?.id,
    identity: e.identity?.login,
    resolver: e.identity?.resolver,
    durationMs: Math.round(e.timings.durationMs * 100) / 100,
  };
  if (e.timings.firstByteMs !== undefined) line.ttfbMs = Math.round(e.timings.firstByteMs * 100) / 100;
  if (e.streamed) line.stream = true;
  if (e.upstreamStatus !== undefined && e.upstreamStatus !== e.status) line.upstreamStatus = e.upstreamStatus;
  if (e.toolCalls.length > 0) {
    line.toolCalls = e.toolCalls.length;
    let blocked = 0;
    let stripped = 0;
    for (const d of e.toolDecisions) {
      if (d.outcome === 'blocked') blocked++;
      else if (d.outcome === 'stripped') stripped++;
    }
    if (blocked > 0) line.toolCallsBlocked = blocked;
    if (stripped > 0) line.toolCallsStripped = stripped;
  }
  if (e.usage.inputTokens > 0) line.inputTokens = e.usage.inputTokens;
  if (e.usage.outputTokens > 0) line.outputTokens = e.usage.outputTokens;
  if (e.decisions.length > 0) line.decisions = e.decisions.map((d) => `${d.plugin}:${d.subject}=${d.allowed ? 'allow' : 'deny'}${d.reason ? ` (${d.reason})` : ''}`);
  if (e.aborted) line.aborted = true;
  if (e.error !== undefined) {
    line.error = e.error.message;
    const refusedBy = refusedByOf(e.error);
    if (refusedBy !== undefined) line.refusedBy = refusedBy;
  }
  const access = accessLoggerOf(root);
  if (warn) access.warn(line, 'request completed');
  else access.info(line, 'request completed');
}

/** The access line of a request to a route other than an LLM API (`/v1/models`, a plugin's route). */
export interface RouteAccessLine {
  /** Request id. */
  readonly reqId: string;
  /** Status answered. */
  readonly status: number;
  /** HTTP method. */
  readonly method: string;
  /** Path as sent. */
  readonly path: string;
  /** Who serves the route: `core` or a plugin name. */
  readonly route: string;
  /** Caller login, when identified. */
  readonly identity?: string;
  /** Resolver that identified the caller. */
  readonly resolver?: string;
  /** Duration in milliseconds. */
  readonly durationMs: number;
  /** The error answered, if any. */
  readonly error?: string;
  /** The identity resolver that refused the caller, if one did. */
  readonly refusedBy?: string;
  /** Route-specific facts (`models: 3`). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Writes the one access line of a request served by a route other than an LLM API: at `warn` for a
 * path no route serves (404 `unknown_url`, a misrouted client) and for 5xx, else `info`.
 */
export function logRouteAccess(root: Logger, line: RouteAccessLine, level: 'info' | 'warn' = line.status >= 500 ? 'warn' : 'info'): void {
  if (!root.isLevelEnabled(level)) return;
  const { extra, durationMs, ...fields } = line;
  accessLoggerOf(root)[level]({ ...fields, durationMs: Math.round(durationMs * 100) / 100, ...extra }, 'request completed');
}
