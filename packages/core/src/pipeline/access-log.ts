import type { Logger } from 'pino';
import type { Exchange } from '../types/exchange.js';

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

/**
 * Writes the one access line of a request through the root logger `root`, bound to the request id
 * like the request's own logger: status, model, provider, identity, timings, tool calls, decisions.
 */
export function logAccess(root: Logger, e: Exchange): void {
  if (!root.isLevelEnabled('info')) return;
  const blocked = e.toolDecisions.filter((d) => d.outcome === 'blocked').length;
  const stripped = e.toolDecisions.filter((d) => d.outcome === 'stripped').length;
  const line: Record<string, unknown> = {
    reqId: e.requestId,
    status: e.status,
    method: e.method,
    path: e.path,
    format: e.format,
    model: e.model,
    provider: e.provider?.id,
    identity: e.identity?.login,
    resolver: e.identity?.resolver,
    stream: e.streamed,
    durationMs: Math.round(e.timings.durationMs * 100) / 100,
    toolCalls: e.toolCalls.length,
    inputTokens: e.usage.inputTokens,
    outputTokens: e.usage.outputTokens,
  };
  if (e.timings.firstByteMs !== undefined) line.ttfbMs = Math.round(e.timings.firstByteMs * 100) / 100;
  if (e.upstreamStatus !== undefined && e.upstreamStatus !== e.status) line.upstreamStatus = e.upstreamStatus;
  if (blocked > 0) line.toolCallsBlocked = blocked;
  if (stripped > 0) line.toolCallsStripped = stripped;
  if (e.decisions.length > 0) line.decisions = e.decisions.map((d) => `${d.plugin}:${d.subject}=${d.allowed ? 'allow' : 'deny'}${d.reason ? ` (${d.reason})` : ''}`);
  if (e.aborted) line.aborted = true;
  if (e.error !== undefined) line.error = e.error.message;
  accessLoggerOf(root).info(line, 'request completed');
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
  /** Route-specific facts (`models: 3`). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes the one access line of a request served by a route other than an LLM API. */
export function logRouteAccess(root: Logger, line: RouteAccessLine): void {
  if (!root.isLevelEnabled('info')) return;
  const { extra, durationMs, ...fields } = line;
  accessLoggerOf(root).info({ ...fields, durationMs: Math.round(durationMs * 100) / 100, ...extra }, 'request completed');
}
