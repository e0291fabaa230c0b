import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { RequestBodyError, readRequestBody } from '../src/http/read-request-body.js';

const LIMIT = 1000;

/** A server that reads each request's body with {@link readRequestBody} and reports the outcome. */
async function bodyServer(): Promise<{ server: Server; port: number; next: () => Promise<Buffer | RequestBodyError> }> {
  const outcomes: Array<Promise<Buffer | RequestBodyError>> = [];
  let waiter: ((p: Promise<Buffer | RequestBodyError>) => void) | undefined;
  const server = createServer((req: IncomingMessage, res) => {
    const outcome = readRequestBody(req, LIMIT).then(
      (buf) => {
        res.end('ok');
        return buf;
      },
      (err: RequestBodyError) => {
        res.writeHead(400, { connection: 'close' }).end(err.type);
        return err;
      },
    );
    if (waiter !== undefined) waiter(outcome);
    else outcomes.push(outcome);
    waiter = undefined;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const next = (): Promise<Buffer | RequestBodyError> => {
    const ready = outcomes.shift();
    if (ready !== undefined) return ready;
    return new Promise((resolve) => {
      waiter = (p) => resolve(p);
    });
  };
  return { server, port: (server.address() as AddressInfo).port, next };
}

/** Sends raw bytes on a new connection; returns the socket (left open). */
async function rawSend(port: number, ...parts: string[]) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  for (const part of parts) socket.write(part);
  return socket;
}

describe('readRequestBody', () => {
  let srv: Awaited<ReturnType<typeof bodyServer>>;
  beforeEach(async () => {
    srv = await bodyServer();
  });
  afterEach(async () => {
    srv.server.closeAllConnections();
    srv.server.close();
    await once(srv.server, 'close');
  });

  it('returns a body sent with Content-Length, byte for byte', async () => {
    const body = Buffer.from('{"a":"é😀"}');
    const socket = await rawSend(srv.port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body);
    assert.deepEqual(await srv.next(), body);
    socket.destroy();
  });

  it('joins a chunked body sent in many pieces', async () => {
    const pieces = ['{"messages":', '[1,2,', '3]}'];
    const socket = await rawSend(srv.port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (const p of pieces) {
      socket.write(`${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    socket.write('0\r\n\r\n');
    assert.equal(String(await srv.next()), pieces.join(''));
    socket.destroy();
  });

  it('refuses a body announced larger than the limit before any of it is sent', async () => {
    const socket = await rawSend(srv.port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`);
    const outcome = await srv.next();
    assert.ok(outcome instanceof RequestBodyError);
    assert.equal(outcome.type, 'entity.too.large');
    socket.destroy();
  });

  it('refuses a chunked body as soon as it grows past the limit', async () => {
    const socket = await rawSend(srv.port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'x'.repeat(600);
    socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`); // 1200 bytes: over; the end never comes
    const outcome = await srv.next();
    assert.ok(outcome instanceof RequestBodyError);
    assert.equal(outcome.type, 'entity.too.large');
    socket.destroy();
  });

  it('reports a client that goes away mid-body as aborted', async () => {
    const socket = await rawSend(srv.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"partial":');
    const outcome = srv.next();
    await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    const err = await outcome;
    assert.ok(err instanceof RequestBodyError);
    assert.equal(err.type, 'request.aborted');
  });

  it('returns an empty buffer for an empty body', async () => {
    const socket = await rawSend(srv.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(await srv.next(), Buffer.alloc(0));
    socket.destroy();
  });
});
