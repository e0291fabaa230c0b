import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConditionWaiters } from './condition-waiters.js';
import { type RestartableServer, readRequestBody, startRestartableServer } from './restartable-server.js';

/** One delivery the fake receiver got. */
export interface HookDelivery {
  /** Arrival order, from 0. */
  readonly index: number;
  /** HTTP method. */
  readonly method: string;
  /** Path (with query). */
  readonly path: string;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** Raw body. */
  readonly raw: Buffer;
  /** Body parsed as JSON (`undefined` when it is not JSON). */
  readonly body: unknown;
  /** When the body had fully arrived (epoch ms). */
  readonly receivedAt: number;
}

/** How the fake receiver answers one delivery. */
export type HookReply =
  | {
      readonly kind: 'respond';
      /** Status (default 200). */
      readonly status?: number;
      /** JSON body. */
      readonly json?: unknown;
      /** Raw body (wins over `json`). */
      readonly body?: string | Buffer;
      /** Extra headers. */
      readonly headers?: Readonly<Record<string, string>>;
      /** Wait this long before answering (ms). */
      readonly delayMs?: number;
    }
  /** Never answer (the connection stays open until the receiver goes down or closes). */
  | { readonly kind: 'hang' }
  /** Destroy the connection without an answer. */
  | { readonly kind: 'reset' };

/** A reply, or a function choosing one per delivery. */
export type HookReplier = HookReply | ((delivery: HookDelivery) => HookReply | Promise<HookReply>);

/** Builders for {@link HookReply}. */
export const hookReply = {
  /** 200 with an empty body (what post-response receivers usually answer). */
  ok: (status = 200): HookReply => ({ kind: 'respond', status }),
  /** A `GuardrailResponse` `allow`. */
  allow: (): HookReply => ({ kind: 'respond', json: { action: 'allow' } }),
  /** A `GuardrailResponse` `block` (fields left out when not given). */
  block: (statusCode?: number, message?: string): HookReply => ({
    kind: 'respond',
    json: { action: 'block', ...(statusCode === undefined ? {} : { status_code: statusCode }), ...(message === undefined ? {} : { message }) },
  }),
  /** A `GuardrailResponse` `modify` with a new request body. */
  modify: (requestBody: unknown): HookReply => ({ kind: 'respond', json: { action: 'modify', request_body: requestBody } }),
  /** Any JSON body with a status. */
  json: (value: unknown, status = 200): HookReply => ({ kind: 'respond', status, json: value }),
  /** An error status, optionally with a `Retry-After` (seconds or an HTTP date). */
  status: (status: number, retryAfter?: number | string): HookReply => ({ kind: 'respond', status, ...(retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } }) }),
  /** 200 with a body that is not JSON. */
  garbage: (): HookReply => ({ kind: 'respond', status: 200, body: 'this is { not json', headers: { 'content-type': 'application/json' } }),
  /** The same reply after a delay. */
  delay: (ms: number, reply: HookReply = { kind: 'respond' }): HookReply => (reply.kind === 'respond' ? { ...reply, delayMs: ms } : reply),
  /** Never answer. */
  hang: (): HookReply => ({ kind: 'hang' }),
  /** Drop the connection. */
  reset: (): HookReply => ({ kind: 'reset' }),
};

/** A fake hook receiver on 127.0.0.1 (see {@link startFakeHookReceiver}). */
export interface FakeHookReceiver extends RestartableServer {
  /** `url` + `path`. */
  urlFor(path: string): string;
  /** Every delivery received, in arrival order. */
  readonly deliveries: readonly HookDelivery[];
  /** Deliveries to one path. */
  deliveriesTo(path: string): HookDelivery[];
  /** Sets how deliveries are answered: for one path, or (no path) for all paths without their own. */
  reply(replier: HookReplier, path?: string): void;
  /** Queues replies for the next deliveries (to `path`, or to any path), used before the standing replies. */
  replyNext(replies: readonly HookReplier[], path?: string): void;
  /** Resolves once `n` deliveries arrived (or the predicate holds); rejects after `timeoutMs`. */
  waitFor(condition: number | ((deliveries: readonly HookDelivery[]) => boolean), timeoutMs?: number): Promise<void>;
  /** Deliveries received and not answered yet (delayed or hanging). */
  readonly unanswered: number;
  /** Stops for good. */
  close(): Promise<void>;
}

/**
 * Starts a fake hook receiver on 127.0.0.1 (port 0) that records every delivery and answers as
 * scripted: default `200 {"action":"allow"}` (fine for every event). It can go down and come
 * back on the same port, answer errors with `Retry-After`, hang, reset, or send garbage.
 */
export async function startFakeHookReceiver(): Promise<FakeHookReceiver> {
  const deliveries: HookDelivery[] = [];
  const standing = new Map<string | undefined, HookReplier>();
  const queued = new Map<string | undefined, HookReplier[]>();
  const waiters = createConditionWaiters();
  let unanswered = 0;

  const pick = (path: string): HookReplier => {
    for (const key of [path, undefined]) {
      const q = queued.get(key);
      if (q !== undefined && q.length > 0) return q.shift() as HookReplier;
    }
    return standing.get(path) ?? standing.get(undefined) ?? hookReply.allow();
  };

  const answer = async (delivery: HookDelivery, res: ServerResponse): Promise<void> => {
    const replier = pick(delivery.path.split('?')[0] as string);
    const reply = typeof replier === 'function' ? await replier(delivery) : replier;
    if (reply.kind === 'hang') return;
    if (reply.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (reply.delayMs !== undefined) await sleep(reply.delayMs);
    if (res.destroyed) return;
    const body = reply.body ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(reply.status ?? 200, { ...(reply.json === undefined ? {} : { 'content-type': 'application/json' }), 'content-length': String(buf.length), ...reply.headers });
    res.end(buf);
  };

  const server = await startRestartableServer((req: IncomingMessage, res: ServerResponse) => {
    readRequestBody(req).then(({ raw, body }) => {
      const delivery: HookDelivery = { index: deliveries.length, method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body, receivedAt: Date.now() };
      deliveries.push(delivery);
      waiters.notify();
      unanswered++;
      res.once('close', () => unanswered--);
      answer(delivery, res).catch(() => res.destroy());
    }, () => res.destroy());
  });
  const url = server.url;

  return {
    url,
    port: server.port,
    urlFor: (path) => `${url}${path.startsWith('/') ? '' : '/'}${path}`,
    deliveries,
    deliveriesTo: (path) => deliveries.filter((d) => d.path === path),
    reply(replier, path) {
      standing.set(path, replier);
    },
    replyNext(replies, path) {
      queued.set(path, [...(queued.get(path) ?? []), ...replies]);
    },
    waitFor(condition, timeoutMs = 10_000) {
      const done = (): boolean => (typeof condition === 'number' ? deliveries.length >= condition : condition(deliveries));
      return waiters.waitFor(done, timeoutMs, () => `fake hook receiver: condition not met (${deliveries.length} deliveries)`);
    },
    get isUp() {
      return server.isUp;
    },
    down: () => server.down(),
    up: () => server.up(),
    get unanswered() {
      return unanswered;
    },
    close: () => server.down(),
  };
}
