import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { ApiErrorException, apiError } from '../types/api-error.js';
import type { JsonObject } from '../types/json.js';
import { RequestBodyError, readRequestBody } from './read-request-body.js';
import { scanJson } from './scan-json.js';

/** Limits for {@link readJsonBody}. */
export interface BodyLimits {
  /** Largest body in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting. */
  readonly maxDepth: number;
}

/** A request body read and parsed. */
export interface JsonBody {
  /** The exact bytes received (forwarded unchanged when nobody modifies the body). */
  readonly raw: Buffer;
  /** The parsed object. */
  readonly body: JsonObject;
}

/** Thrown when the client went away while sending its body. */
export class ClientAbortedError extends Error {
  constructor() {
    super('client aborted the request');
    this.name = 'ClientAbortedError';
  }
}

function isJsonContentType(value: string | undefined): boolean {
  // What nearly every client sends, settled without splitting and lower-casing.
  if (value === 'application/json') return true;
  if (value === undefined || value.trim() === '') return true;
  const type = (value.split(';')[0] as string).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json')) || type === 'text/plain';
}

/**
 * Reads and parses a JSON request body: refuses compressed bodies (415), non-JSON content types
 * (415), bodies over the limit (413, checked against `Content-Length` before reading), invalid
 * UTF-8, nesting deeper than the limit, duplicate top-level keys and anything but a JSON object
 * (400).
 */
export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<JsonBody> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new ApiErrorException(apiError('unsupported_media_type', `compressed request bodies are not accepted (Content-Encoding: ${encoding.slice(0, 40)})`));
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new ApiErrorException(apiError('unsupported_media_type', 'request body must be JSON (Content-Type: application/json)'));
  }
  let raw: Buffer;
  try {
    raw = await readRequestBody(req, limits.maxBytes);
  } catch (err) {
    const type = err instanceof RequestBodyError ? err.type : undefined;
    if (type === 'entity.too.large') throw new ApiErrorException(apiError('too_large', `request body is larger than ${limits.maxBytes} bytes`));
    if (type === 'request.aborted') throw new ClientAbortedError();
    throw new ApiErrorException(apiError('invalid_request', 'request body could not be read (size does not match Content-Length)'), { cause: err });
  }
  if (raw.length === 0) throw new ApiErrorException(apiError('invalid_request', 'request body is empty; expected a JSON object'));
  if (!isUtf8(raw)) throw new ApiErrorException(apiError('invalid_request', 'request body is not valid UTF-8'));
  const scan = scanJson(raw, limits.maxDepth);
  if (scan.tooDeep) throw new ApiErrorException(apiError('invalid_request', `request body is nested deeper than ${limits.maxDepth} levels`));
  if (scan.duplicateKey !== undefined) throw new ApiErrorException(apiError('invalid_request', `request body has the key "${scan.duplicateKey.slice(0, 64)}" twice`));
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new ApiErrorException(apiError('invalid_request', `request body is not valid JSON: ${(err as Error).message.slice(0, 120)}`));
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiErrorException(apiError('invalid_request', 'request body must be a JSON object'));
  }
  return { raw, body: body as JsonObject };
}
