import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readLimited } from './read-limited.js';

/** Why a request body could not be read (the names are raw-body's `type`s, which this replaces). */
export type RequestBodyFailure = 'entity.too.large' | 'request.aborted' | 'request.size.invalid' | 'stream.not.readable' | 'stream.error';

/** Thrown by {@link readRequestBody}. */
export class RequestBodyError extends Error {
  /** What went wrong. */
  readonly type: RequestBodyFailure;

  constructor(type: RequestBodyFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestBodyError';
    this.type = type;
  }
}

function declaredLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Reads a whole request body, as the `raw-body` package did for core (same checks, same failure
 * types) without its per-request overhead: a body announced larger than `limit` is refused before
 * anything is read, one that grows past it as soon as it does (the rest is left unread: the
 * request is paused, so the answer can still go out), a client that goes away gives
 * `request.aborted`, and a body whose size differs from `Content-Length` gives
 * `request.size.invalid`. A body that arrives in one chunk is returned as that chunk.
 */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = declaredLength(req.headers['content-length']);
  if (length !== undefined && length > limit) throw new RequestBodyError('entity.too.large', 'request entity too large');
  if (!req.readable) throw new RequestBodyError('stream.not.readable', 'stream is not readable');
  let body: Buffer;
  try {
    body = await readLimited(req, limit, { overflow: 'pause' });
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new RequestBodyError('entity.too.large', 'request entity too large', { cause: err });
    // An error or a close before the whole body came: the connection went away.
    if (!req.complete) throw new RequestBodyError('request.aborted', 'request aborted', { cause: err });
    throw new RequestBodyError('stream.error', (err as Error).message, { cause: err });
  }
  if (length !== undefined && body.length !== length) throw new RequestBodyError('request.size.invalid', 'request size did not match content length');
  return body;
}
