import type { Readable } from 'node:stream';

/** Thrown when a body exceeds its limit. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

function ignore(): void {}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** Options of {@link readLimited}. */
export interface ReadLimitedOptions {
  /**
   * What happens to the stream once it exceeds the limit: `destroy` it (an upstream body), or
   * `pause` it and leave the rest unread (a request, whose socket must live to carry the answer).
   * @default 'destroy'
   */
  readonly overflow?: 'destroy' | 'pause';
}

/**
 * Reads a whole stream into one Buffer, throwing {@link BodyTooLargeError} once it exceeds `limit`
 * bytes. Rejects with the stream's error, or `ERR_STREAM_PREMATURE_CLOSE` when it closes before
 * its end (as `for await` would). Plain listeners rather than an async iterator: this runs on
 * every proxied call, and the iterator's promises showed in the profile.
 */
export function readLimited(stream: Readable, limit: number, options: ReadLimitedOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.errored) {
      reject(stream.errored);
      return;
    }
    if (stream.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    if (stream.destroyed) {
      reject(prematureClose());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        if (options.overflow === 'pause') stream.pause();
        else {
          // Destroying an undici body emits its abort error; nobody else listens any more.
          stream.on('error', ignore);
          stream.destroy();
        }
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(stream.errored ?? prematureClose());
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
