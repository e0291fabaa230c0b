import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedDelivery } from './format-delivery.js';

/** Most bytes of one delivery the receiver reads; larger bodies are answered 413. */
export const MAX_DELIVERY_BYTES = 32 * 1024 * 1024;

/** The reply to every delivery: a 2xx for post-response events and `allow` for `pre_request`. */
export const ALLOW_REPLY = '{"action":"allow"}';

/** A running local hook receiver. */
export interface HookReceiver {
  /** `http://host:port`. */
  readonly url: string;
  /** The HTTP server. */
  readonly server: Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Starts an HTTP server that accepts hook deliveries on any path, hands each to `onDelivery`
 * and answers `200 {"action":"allow"}`, so it works for every hook event, `pre_request`
 * included. Listens on `host` (default 127.0.0.1) and `port` (0 = any free port).
 */
export async function startHookReceiver(options: { host?: string; port?: number; onDelivery(delivery: ReceivedDelivery): void }): Promise<HookReceiver> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST hook deliveries here\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DELIVERY_BYTES) {
        res.writeHead(413, { connection: 'close' }).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      options.onDelivery({
        path: req.url ?? '/',
        event: header(req, 'x-tollgate-event'),
        id: header(req, 'webhook-id'),
        attempt: header(req, 'x-tollgate-attempt'),
        raw: Buffer.concat(chunks),
        receivedAt: new Date(),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(ALLOW_REPLY.length) }).end(ALLOW_REPLY);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
