import { performance } from 'node:perf_hooks';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { PluginHookError, errorMessage } from '../errors.js';
import { ApiErrorException } from '../types/api-error.js';
import type { Denial } from '../types/denial.js';
import type { RequestContext } from '../types/request-context.js';
import type { ToolCall, ToolCallDecision } from '../types/tool-call.js';

/** A decision with the denial behind it, when there is one. */
export interface DecidedToolCall extends ToolCallDecision {
  /** The denial (for `blocked` / `stripped`). */
  readonly denial?: Denial;
}

/**
 * Runs `onToolCall` for one call and turns the result into a decision. A tap that throws fails
 * closed: the call is blocked (status 500) and the error is logged.
 */
export async function decideToolCall(hooks: TollgateHooks, request: RequestContext, call: ToolCall, streaming: boolean): Promise<DecidedToolCall> {
  const start = performance.now();
  let denial: Denial | undefined;
  try {
    denial = await hooks.onToolCall.promise({ request, call, streaming });
  } catch (err) {
    const cause = err instanceof PluginHookError ? err.cause : err;
    const plugin = err instanceof PluginHookError ? err.plugin : 'core';
    request.log.error({ err, plugin, tool: call.name }, 'tool-call policy failed; blocking the call');
    denial =
      cause instanceof ApiErrorException
        ? { message: cause.apiError.message, status: cause.apiError.status, kind: cause.apiError.kind, by: plugin }
        : { message: `tool-call policy failed: ${errorMessage(cause).slice(0, 200)}`, status: 500, kind: 'internal', by: plugin };
  }
  const durationMs = performance.now() - start;
  if (denial === undefined || denial === null) return { call, outcome: 'allowed', durationMs };
  const outcome = denial.action === 'strip' ? 'stripped' : 'blocked';
  return { call, outcome, by: denial.by, message: denial.message, durationMs, denial };
}
