import type { Logger } from 'pino';
import type { Exchange } from '../types/exchange.js';

/** Writes the one access line of a request: status, model, provider, identity, timings, tool calls, decisions. */
export function logAccess(log: Logger, e: Exchange): void {
  const blocked = e.toolDecisions.filter((d) => d.outcome === 'blocked').length;
  const stripped = e.toolDecisions.filter((d) => d.outcome === 'stripped').length;
  const line: Record<string, unknown> = {
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
  log.info(line, 'request completed');
}
