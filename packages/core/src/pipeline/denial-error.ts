import { type ApiError, apiError } from '../types/api-error.js';
import type { Denial } from '../types/denial.js';

/** Turns a {@link Denial} into the error the client gets (default 403 `permission`). */
export function denialError(denial: Denial, defaultCode?: string): ApiError {
  const kind = denial.kind ?? 'permission';
  return apiError(kind, denial.message, {
    ...(denial.status === undefined ? {} : { status: denial.status }),
    ...(denial.type === undefined ? {} : { type: denial.type }),
    ...(denial.code ?? defaultCode ? { code: denial.code ?? defaultCode } : {}),
    ...(denial.headers === undefined ? {} : { headers: denial.headers }),
  });
}
