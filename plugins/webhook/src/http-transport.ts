import { Agent, type Dispatcher } from 'undici';
import { type AttemptAbort, ON_ABORT } from './delivery/attempt-abort.js';
import { parseRetryAfter } from './retry-policy.js';
import type { TransportDelivery, TransportResult, WebhookTransport } from './types.js';

let sharedAgent: Agent | undefined;

/**
 * The process-wide undici agent hook deliveries use by default: keep-alive connections per
 * receiver origin, shared by every plugin instance (config reloads included). Created on first use;
 * its idle sockets do not keep the process alive.
 */
export function sharedHookDispatcher(): Dispatcher {
  sharedAgent ??= new Agent({ connections: 64, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connectTimeout: 10_000 });
  return sharedAgent;
}

/** Reads at most `limit` bytes of a body; `undefined` when it is longer (the rest is discarded). */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * An undici dispatch handler for a post-response delivery, whose reply is ignored: keeps the
 * status (and `Retry-After` of a non-2xx answer), discards the body as it arrives, and settles when
 * the exchange ends, so the connection goes back to the pool. No response stream, no body reader.
 */
class DiscardReplyHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #retryAfterMs: number | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: unknown;
  #aborted = false;
  readonly #resolve: (result: TransportResult) => void;
  readonly #reject: (err: unknown) => void;

  constructor(resolve: (result: TransportResult) => void, reject: (err: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Aborts the exchange now, or as soon as it starts. */
  abort(reason: unknown): void {
    if (this.#controller !== undefined) this.#controller.abort(reason instanceof Error ? reason : new Error(String(reason)));
    else {
      this.#aborted = true;
      this.#abortReason = reason;
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#aborted) controller.abort(this.#abortReason instanceof Error ? this.#abortReason : new Error(String(this.#abortReason)));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#status = statusCode;
    if (statusCode < 200 || statusCode >= 300) this.#retryAfterMs = parseRetryAfter(headers['retry-after']);
  }

  onResponseData(): void {
    // The reply of a post-response delivery is ignored.
  }

  onResponseEnd(): void {
    this.#resolve(this.#retryAfterMs === undefined ? { status: this.#status } : { status: this.#status, retryAfterMs: this.#retryAfterMs });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#reject(err);
  }
}

/**
 * The default transport: POSTs the body to the hook's `http(s)://` URL through an undici
 * dispatcher. Replies are read and parsed only for `pre_request` (a `GuardrailResponse`); other
 * replies are drained and ignored, so the connection is reused.
 */
export class HttpTransport implements WebhookTransport {
  readonly #origin: string;
  readonly #path: string;
  readonly #dispatcher: Dispatcher;

  /** `url` must parse (the caller checked it); it is parsed once here, not per delivery. */
  constructor(url: string, dispatcher: Dispatcher) {
    const parsed = new URL(url);
    this.#origin = parsed.origin;
    this.#path = `${parsed.pathname}${parsed.search}`;
    this.#dispatcher = dispatcher;
  }

  /** @inheritdoc */
  async send(delivery: TransportDelivery): Promise<TransportResult> {
    if (delivery.event !== 'pre_request') return this.#post(delivery);
    const res = await this.#dispatcher.request({
      origin: this.#origin,
      path: this.#path,
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      signal: delivery.signal,
    });
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const base = { status: res.statusCode, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      return base;
    }
    const raw = await readLimited(res.body, delivery.maxReplyBytes);
    if (raw === undefined || raw.length === 0) return { ...base, replyInvalid: true };
    try {
      return { ...base, reply: JSON.parse(raw.toString('utf8')) as unknown };
    } catch {
      return { ...base, replyInvalid: true };
    }
  }

  /**
   * A post-response delivery through `dispatch` with {@link DiscardReplyHandler}: the reply is not
   * read, so neither a response stream nor an `AbortSignal` listener is set up per delivery. The
   * queue's deliveries are cancelled through their {@link AttemptAbort}; others through `signal`.
   */
  #post(delivery: TransportDelivery): Promise<TransportResult> {
    const attempt = (delivery as { readonly [ON_ABORT]?: AttemptAbort })[ON_ABORT];
    const signal = attempt === undefined ? delivery.signal : undefined;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<TransportResult>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const settle = signal === undefined ? undefined : (): void => signal.removeEventListener('abort', onAbort as () => void);
      const handler = new DiscardReplyHandler(
        settle === undefined ? resolve : (r) => (settle(), resolve(r)),
        settle === undefined ? reject : (e) => (settle(), reject(e)),
      );
      if (attempt !== undefined) attempt.onAbort((reason) => handler.abort(reason));
      else if (signal !== undefined) {
        onAbort = () => handler.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#dispatcher.dispatch({ origin: this.#origin, path: this.#path, method: 'POST', headers: delivery.headers, body: delivery.body }, handler);
    });
  }
}
