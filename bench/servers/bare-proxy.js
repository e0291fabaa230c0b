/**
 * The Node ceiling: the least a correct JSON-aware pass-through proxy does on Node. Reads the
 * request body, parses it and re-serialises it (as any gateway that looks at the model must),
 * sends it upstream through one undici Pool with the provider key, and pipes the answer back
 * (SSE included) with backpressure. Run in its own process by the bench.
 *
 * Usage: node bare-proxy.js <upstream origin>; reports `{ ready, port }` over IPC.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const origin = process.argv[2];
if (origin === undefined) throw new Error('usage: bare-proxy.js <upstream origin>');
const pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

/** @param {import('node:http').ServerResponse} res @param {number} status @param {string} message */
function fail(res, status, message) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message, type: 'proxy_error' } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let body;
    try {
      body = JSON.parse((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    } catch {
      fail(res, 400, 'invalid JSON');
      return;
    }
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const upstream = await pool.request({
        path: req.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-provider-key' },
        body: JSON.stringify(body),
        signal: abort.signal,
      });
      /** @type {Record<string, string>} */
      const headers = { 'content-type': String(upstream.headers['content-type'] ?? 'application/json') };
      if (upstream.headers['content-length'] !== undefined) headers['content-length'] = String(upstream.headers['content-length']);
      res.writeHead(upstream.statusCode, headers);
      // pipe, not stream.pipeline: pipeline allocates an AbortController (and a DOMException when
      // it finishes) per call, which showed as ~6% of this proxy's CPU in a profile.
      upstream.body.on('error', () => res.destroy());
      upstream.body.pipe(res);
    } catch (err) {
      if (!abort.signal.aborted) fail(res, 502, `upstream failed: ${/** @type {Error} */ (err).message}`);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ ready: true, port: address.port });
});
process.on('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
process.on('disconnect', () => process.exit(0));
