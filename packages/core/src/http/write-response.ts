import type { ServerResponse } from 'node:http';
import type { ApiError } from '../types/api-error.js';

/**
 * How errors are written on a route: an API format's envelope (every format adapter is one) or
 * problem+json on control-plane routes.
 */
export interface ErrorEnvelope {
  /** The error body. */
  errorBody(error: ApiError): unknown;
  /** Its content type. @default 'application/json; charset=utf-8' */
  readonly errorContentType?: string;
}

/**
 * Writes a complete response (status, headers, body) unless the response already started. All
 * headers go in this one `writeHead` (none set before with `setHeader`), which lets Node take its
 * fast path: each header validated and stored once.
 */
export function writeBody(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * Writes an {@link ApiError} in the format's error envelope, with `x-request-id` when a request id
 * is given. When the request body has not arrived whole (refused before or while it was read: too
 * large, compressed, unidentified caller), the connection is closed after the answer: Node would
 * otherwise read and discard the rest of the body, however long the client keeps sending.
 */
export function writeApiError(res: ServerResponse, envelope: ErrorEnvelope, error: ApiError, requestId?: string): void {
  const unread = res.req !== undefined && !res.req.complete;
  writeBody(
    res,
    error.status,
    {
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
      'content-type': envelope.errorContentType ?? 'application/json; charset=utf-8',
      ...error.headers,
      ...(unread ? { connection: 'close' } : {}),
    },
    JSON.stringify(envelope.errorBody(error)),
  );
}
