import { Agent, type Dispatcher } from 'undici';
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
    if (delivery.event !== 'pre_request' || res.statusCode < 200 || res.statusCode >= 300) {
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
}
