import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConditionWaiters } from './condition-waiters.js';
import { readRequestBody } from './restartable-server.js';

/** A request the fake upstream received. */
export interface RecordedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path with query. */
  readonly url: string;
  /** Request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body bytes. */
  readonly raw: Buffer;
  /** Body parsed as JSON, when it is JSON. */
  readonly body: unknown;
}

/** How the fake upstream answers one request. */
export type Responder = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A fake provider on 127.0.0.1. */
export interface FakeUpstream {
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Replaces the responder. */
  respond(responder: Responder): void;
  /** Resolves when `n` requests have arrived. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Destroys every open connection now (a crash). */
  destroyConnections(): void;
  /** Number of open client connections. */
  readonly openConnections: number;
  /** Stops the server and destroys every connection. */
  close(): Promise<void>;
}

/** Options of {@link sseResponder}. */
export interface SseResponderOptions {
  /** Pause between frames (ms). */
  readonly delayMs?: number;
  /** Status code (default 200). */
  readonly status?: number;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Write all frames in one chunk (default: one write per frame). */
  readonly singleWrite?: boolean;
}

/** Answers with these SSE frames (strings written as given). */
export function sseResponder(frames: readonly (string | Buffer)[], options: SseResponderOptions = {}): Responder {
  return async (_req, res) => {
    res.writeHead(options.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers });
    if (options.singleWrite) {
      res.end(Buffer.concat(frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f))));
      return;
    }
    for (const frame of frames) {
      if (res.destroyed) return;
      res.write(frame);
      if (options.delayMs) await sleep(options.delayMs);
    }
    res.end();
  };
}

/** Answers with a JSON body (or raw bytes). */
export function jsonResponder(body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): Responder {
  return (_req, res) => {
    const text = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length), ...headers });
    res.end(text);
  };
}

/** Answers each request with the next responder of the list (the last one repeats). */
export function sequenceResponder(responders: readonly Responder[]): Responder {
  let i = 0;
  return (req, res) => (responders[Math.min(i++, responders.length - 1)] as Responder)(req, res);
}

/**
 * Starts a fake provider on 127.0.0.1 (port 0) that records every request and answers with the
 * current responder (default: 500 "no responder").
 */
export async function startFakeUpstream(responder?: Responder): Promise<FakeUpstream> {
  let current: Responder = responder ?? jsonResponder({ error: { message: 'no responder configured' } }, 500);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = createConditionWaiters();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readRequestBody(req).then(({ raw, body }) => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body };
      requests.push(recorded);
      waiters.notify();
      Promise.resolve(current(recorded, res)).catch(() => res.destroy());
    }, () => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(r) {
      current = r;
    },
    waitForRequests(n, timeoutMs = 5000) {
      return waiters.waitFor(() => requests.length >= n, timeoutMs, () => `fake upstream: ${requests.length}/${n} requests`);
    },
    destroyConnections() {
      for (const s of sockets) s.destroy();
    },
    get openConnections() {
      return sockets.size;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
