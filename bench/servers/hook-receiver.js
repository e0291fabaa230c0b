/**
 * The webhook receiver configuration 4 delivers to: drains each delivery and answers 200 at
 * once. `GET /stats` answers `{ deliveries, bytes }` so the bench can check that every request
 * was delivered. Run in its own process; reports `{ ready, port }` over IPC.
 */
import { createServer } from 'node:http';

let deliveries = 0;
let bytes = 0;

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ deliveries, bytes }));
    return;
  }
  req.on('data', (c) => {
    bytes += c.length;
  });
  req.on('end', () => {
    deliveries++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ ready: true, port: address.port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
