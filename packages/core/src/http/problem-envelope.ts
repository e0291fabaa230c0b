import { STATUS_CODES } from 'node:http';
import type { ApiError } from '../types/api-error.js';
import type { ErrorEnvelope } from './write-response.js';

/**
 * RFC 9457 problem details, the envelope of every control-plane route (admin API, read API,
 * dashboard, metrics): `{type, title, status, detail, code?, ...details}` as
 * `application/problem+json`.
 */
export const PROBLEM_ENVELOPE: ErrorEnvelope = {
  errorContentType: 'application/problem+json; charset=utf-8',
  errorBody(error: ApiError): unknown {
    return {
      type: 'about:blank',
      title: STATUS_CODES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
      ...error.details,
    };
  },
};
