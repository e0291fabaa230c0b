/**
 * A fake OpenAI-compatible upstream that answers instantly, run in its own process by the bench.
 * `POST /v1/chat/completions`: reads the whole body, then answers from pre-serialised buffers:
 * a tool-call completion, or (with `"stream":true`) a stream of `max_tokens` SSE events.
 * Reports `{ ready, port }` over IPC once it listens on 127.0.0.1:0.
 */
import { createServer } from 'node:http';
import { chatResponse, chatStreamEvents } from '../lib/payloads.js';

const JSON_BODY = Buffer.from(chatResponse());
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(JSON_BODY.length), 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' };
const STREAM_MARK = Buffer.from('"stream":true');
const MAX_TOKENS_MARK = Buffer.from('"max_tokens":');

/** @type {Map<number, Buffer>} */
const streams = new Map();

/** @param {number} events */
function streamBody(events) {
  let body = streams.get(events);
  if (body === undefined) {
    body = Buffer.from(chatStreamEvents(events).join(''));
    streams.set(events, body);
  }
  return body;
}

/** @param {Buffer} body */
function requestedEvents(body) {
  const at = body.indexOf(MAX_TOKENS_MARK);
  if (at < 0) return 50;
  let n = 0;
  for (let i = at + MAX_TOKENS_MARK.length; i < body.length; i++) {
    const c = body[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return Math.min(Math.max(n, 8), 100_000);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (body.indexOf(STREAM_MARK) >= 0) {
      res.writeHead(200, SSE_HEADERS);
      res.end(streamBody(requestedEvents(body)));
    } else {
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON_BODY);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ ready: true, port: address.port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
