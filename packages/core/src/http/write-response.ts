import type { ServerResponse } from 'node:http';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { ApiError } from '../types/api-error.js';

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
export function writeApiError(res: ServerResponse, adapter: Pick<FormatAdapter, 'errorBody'>, error: ApiError, requestId?: string): void {
  const unread = res.req !== undefined && !res.req.complete;
  writeBody(
    res,
    error.status,
    { ...(requestId === undefined ? {} : { 'x-request-id': requestId }), 'content-type': 'application/json; charset=utf-8', ...error.headers, ...(unread ? { connection: 'close' } : {}) },
    JSON.stringify(adapter.errorBody(error)),
  );
}
