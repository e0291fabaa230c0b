import type { IncomingMessage } from 'node:http';

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
 * request is paused), a client that goes away gives `request.aborted`, and a body whose size
 * differs from `Content-Length` gives `request.size.invalid`. A body that arrives in one chunk is
 * returned as that chunk.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const length = declaredLength(req.headers['content-length']);
    if (length !== undefined && length > limit) {
      reject(new RequestBodyError('entity.too.large', 'request entity too large'));
      return;
    }
    if (!req.readable) {
      reject(new RequestBodyError('stream.not.readable', 'stream is not readable'));
      return;
    }
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    const cleanup = (): void => {
      req.off('aborted', onAborted);
      req.off('close', onAborted);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const fail = (err: RequestBodyError): void => {
      cleanup();
      req.pause();
      reject(err);
    };
    const onAborted = (): void => fail(new RequestBodyError('request.aborted', 'request aborted'));
    const onError = (err: Error): void => fail(new RequestBodyError('stream.error', err.message, { cause: err }));
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) fail(new RequestBodyError('entity.too.large', 'request entity too large'));
      else if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      if (length !== undefined && received !== length) {
        fail(new RequestBodyError('request.size.invalid', 'request size did not match content length'));
        return;
      }
      cleanup();
      resolve(chunks !== undefined ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0)));
    };
    req.on('aborted', onAborted);
    // Node emits `aborted` before `close` when a request is cut short; a `close` before `end` alone
    // would mean the same (raw-body left the promise pending then).
    req.on('close', onAborted);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
