import { type ApiError, ApiErrorException, apiError } from '../types/api-error.js';
import type { Denial } from '../types/denial.js';

/** Turns a {@link Denial} into the error the client gets (default 403 `permission`). */
export function denialError(denial: Denial, defaultCode?: string): ApiError {
  const kind = denial.kind ?? 'permission';
  return apiError(kind, denial.message, {
    ...(denial.status === undefined ? {} : { status: denial.status }),
    ...(denial.type === undefined ? {} : { type: denial.type }),
    ...(denial.code ?? defaultCode ? { code: denial.code ?? defaultCode } : {}),
    ...(denial.headers === undefined ? {} : { headers: denial.headers }),
    ...(denial.details === undefined ? {} : { details: denial.details }),
  });
}

/**
 * The error to throw where a hook cannot return its {@link Denial} (`identify`, `listModels`,
 * `access`, a route handler): core answers it exactly like a returned one.
 *
 * ```ts
 * host.hooks.listModels.tap('my-plugin', (models, { identity }) => {
 *   if (!allowed(identity)) throw refuse({ message: 'no access', status: 403, by: 'my-plugin' });
 *   return models;
 * });
 * ```
 */
export function refuse(denial: Denial): ApiErrorException {
  return new ApiErrorException(denialError(denial));
}
