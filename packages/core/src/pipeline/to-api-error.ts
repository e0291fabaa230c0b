import type { Logger } from 'pino';
import { PluginHookError } from '../errors.js';
import { type ApiError, ApiErrorException, apiError } from '../types/api-error.js';

/**
 * Turns anything thrown while serving a request into the error its client gets: a request-path
 * error (`ApiErrorException`, also what `refuse()` throws) as it is, also when a plugin's tap threw
 * it; any other failure as a 500 that names the failing plugin (never its message, which may hold
 * internals), logged with its stack through `log`.
 */
export function toApiError(err: unknown, log: () => Logger): ApiError {
  if (err instanceof ApiErrorException) return err.apiError;
  if (err instanceof PluginHookError) {
    if (err.cause instanceof ApiErrorException) return err.cause.apiError;
    log().error({ err, plugin: err.plugin, hook: err.hook }, 'plugin failed; refusing the request');
    return apiError('internal', `plugin "${err.plugin}" failed in ${err.hook}`);
  }
  log().error({ err }, 'request failed');
  return apiError('internal', 'internal gateway error');
}
