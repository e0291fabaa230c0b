import { EventEmitter } from 'node:events';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { UpstreamRequest } from '../providers/upstream.js';

/**
 * Whether a request was given up (the client went away), and the `AbortSignal` plugins and
 * upstreams see, created only when something asks for it.
 *
 * `new AbortController().signal`, and the `abort` listener an undici request adds to an
 * `EventTarget`, together cost a few percent of a proxied call that almost never aborts. This is an `EventEmitter` with `aborted` and `reason`, which undici accepts as a
 * request `signal` (it listens with `once('abort')`); a real `AbortSignal` is made on first read
 * of {@link signal}, already aborted with the same reason when the abort came first.
 */
export class RequestAbort extends EventEmitter {
  /** True once {@link abort} ran. */
  aborted = false;
  /** Why: an `AbortError` `DOMException`, as `AbortController.abort()` gives. */
  reason: unknown = undefined;
  #controller: AbortController | undefined;

  /** The request's `AbortSignal` (created on first use). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the request (once): the signal, if created, then `abort` listeners (undici). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException('This operation was aborted', 'AbortError');
    this.#controller?.abort(this.reason);
    this.emit('abort');
  }
}

/** Fields of a {@link CoreUpstreamRequest} besides its abort. */
export type CoreUpstreamRequestInit = Omit<UpstreamRequest, 'signal'>;

/**
 * The upstream request core makes: an {@link UpstreamRequest} whose `signal` is created only if
 * the upstream reads it. Core's HTTP upstream hands undici the {@link RequestAbort} itself instead
 * (see {@link requestAbortOf}); other upstreams see a plain `AbortSignal`.
 */
export class CoreUpstreamRequest implements UpstreamRequest {
  readonly path: string;
  readonly method: 'POST' | 'GET';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly format: FormatAdapter;
  readonly stream: boolean;
  /** Aborted when the client goes away. */
  readonly abort: RequestAbort;

  constructor(init: CoreUpstreamRequestInit, abort: RequestAbort) {
    this.path = init.path;
    this.method = init.method;
    this.headers = init.headers;
    this.body = init.body;
    this.format = init.format;
    this.stream = init.stream;
    this.abort = abort;
  }

  /** @inheritdoc */
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

/** The {@link RequestAbort} behind an upstream request core made, if it is one. */
export function requestAbortOf(request: UpstreamRequest): RequestAbort | undefined {
  return request instanceof CoreUpstreamRequest ? request.abort : undefined;
}
