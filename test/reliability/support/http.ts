import { type IncomingHttpHeaders, request } from 'node:http';
import { type Socket, connect } from 'node:net';

/** A whole HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** True when the whole message arrived (a chunked body with its last chunk), false when cut off. */
  readonly complete: boolean;
  /** The body parsed as JSON (throws when it is not). */
  json<T = any>(): T;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer | readonly (string | Buffer)[];
}

/**
 * Sends one request with node:http on a fresh connection (no agent, so no keep-alive socket is
 * left behind) and reads the whole answer. A connection closed before the answer resolves with
 * status 0 rather than rejecting, so a test asserts on it.
 */
export function send(url: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { 'content-type': 'application/json', ...options.headers };
    const req = request(url, { method: options.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const finish = (): void => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, complete: res.complete, json: () => JSON.parse(text) });
      };
      res.on('end', finish);
      res.on('error', finish);
      res.on('aborted', finish);
    });
    const failed = (): void => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), text: '', complete: false, json: () => undefined as never });
    req.on('error', failed);
    const body = options.body;
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else req.end(body as string | Buffer | undefined);
  });
}

/** POSTs `body` (JSON-encoded unless it is a string or Buffer) to `base + path`. */
export function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(`${base}${path}`, { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });
}

/** A raw TCP client: exact bytes out, everything the server sends back collected. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far (latin1, byte for byte). */
  received(): string;
  /** Resolves once the server closed the connection (or it failed), with everything received. */
  readonly closed: Promise<string>;
  /** Resolves once the text received satisfies `predicate`, or the connection closed. */
  until(predicate: (text: string) => boolean): Promise<string>;
  /** Writes bytes. */
  write(data: string | Buffer): void;
  /** Destroys the connection. */
  destroy(): void;
}

/** Opens a raw TCP connection to `127.0.0.1:port`; resolves once connected. */
export function rawConnect(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const waiters = new Set<() => void>();
    let resolveClosed!: (t: string) => void;
    const closed = new Promise<string>((r) => {
      resolveClosed = r;
    });
    let isClosed = false;
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      for (const w of [...waiters]) w();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      isClosed = true;
      resolveClosed(text);
      for (const w of [...waiters]) w();
    });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        received: () => text,
        closed,
        until(predicate) {
          return new Promise((r) => {
            const check = (): void => {
              if (predicate(text) || isClosed) {
                waiters.delete(check);
                r(text);
              }
            };
            waiters.add(check);
            check();
          });
        },
        write: (data) => {
          if (!socket.destroyed) socket.write(data);
        },
        destroy: () => socket.destroy(),
      });
    });
    socket.once('error', reject);
  });
}

/** The port of an `http://host:port` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Number of connections a Node server holds open. */
export function connectionsOf(server: { getConnections(cb: (err: Error | null, count: number) => void): void }): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/** Status codes of every HTTP response head in a raw byte string, in order. */
export function statusLines(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

/** A request whose streamed answer is read as it arrives. */
export interface OpenStream {
  /** Everything received so far. */
  received(): string;
  /** Resolves once the text received satisfies `predicate` (or the answer ended). */
  until(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves with the whole answer once it ended or the connection closed. */
  done(): Promise<Answer>;
  /** Hangs up. */
  destroy(): void;
}

/** Sends a request and returns at once; its answer streams in. */
export function openStream(url: string, body: unknown, headers: Record<string, string> = {}): OpenStream {
  const chunks: Buffer[] = [];
  let text = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  let resolveDone!: (a: Answer) => void;
  const done = new Promise<Answer>((r) => {
    resolveDone = r;
  });
  let status = 0;
  let resHeaders: IncomingHttpHeaders = {};
  let complete = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    const buf = Buffer.concat(chunks);
    const t = buf.toString('utf8');
    resolveDone({ status, headers: resHeaders, body: buf, text: t, complete, json: () => JSON.parse(t) });
    wake();
  };
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
    status = res.statusCode ?? 0;
    resHeaders = res.headers;
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      text += c.toString('utf8');
      wake();
    });
    res.on('end', () => {
      complete = res.complete;
      finish();
    });
    res.on('aborted', finish);
    res.on('error', finish);
    res.on('close', finish);
  });
  req.on('error', finish);
  req.end(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    received: () => text,
    until(predicate) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (predicate(text) || ended) {
            waiters.delete(check);
            resolve(text);
          }
        };
        waiters.add(check);
        check();
      });
    },
    done: () => done,
    destroy: () => req.destroy(),
  };
}

export { type Deferred, deferred } from '@tollgate/testing';
