import { type IncomingMessage, type RequestListener, type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An HTTP server on 127.0.0.1 that can go down (dropping every connection) and come back on the same port. */
export interface RestartableServer {
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** The port, kept across {@link down} / {@link up}. */
  readonly port: number;
  /** True while listening. */
  readonly isUp: boolean;
  /** Stops listening and destroys every open connection (an outage). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
}

/** Starts a {@link RestartableServer} on 127.0.0.1 (port 0) serving `listener`. */
export async function startRestartableServer(listener: RequestListener): Promise<RestartableServer> {
  const server: Server = createServer(listener);
  const sockets = new Set<Socket>();
  let up = false;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        up = true;
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get isUp() {
      return up;
    },
    async down() {
      if (!up) return;
      up = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    up: () => (up ? Promise.resolve() : listen(port)),
  };
}

/** Reads a request body; `body` is its JSON, or `undefined` when empty or not JSON. */
export async function readRequestBody(req: IncomingMessage): Promise<{ raw: Buffer; body: unknown }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  try {
    return { raw, body: raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined };
  } catch {
    return { raw, body: undefined };
  }
}
