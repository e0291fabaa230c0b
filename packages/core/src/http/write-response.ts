import type { ServerResponse } from 'node:http';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { ApiError } from '../types/api-error.js';

/** Writes a complete response (status, headers, body) unless the response already started. */
export function writeBody(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Writes an {@link ApiError} in the format's error envelope. */
export function writeApiError(res: ServerResponse, adapter: Pick<FormatAdapter, 'errorBody'>, error: ApiError): void {
  writeBody(res, error.status, { 'content-type': 'application/json; charset=utf-8', ...error.headers }, JSON.stringify(adapter.errorBody(error)));
}
