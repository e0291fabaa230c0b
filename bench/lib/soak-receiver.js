/**
 * The soak's hook receiver: counts deliveries by `webhook-id` (so a redelivery after an outage
 * is a duplicate, not a second event) and plays a flaky receiver: it can go down (connection
 * refused, connections in flight dropped) and come back on the same port, or answer 503 with a
 * `Retry-After` for a while.
 */
import { createServer } from 'node:http';

/**
 * @typedef {object} SoakReceiver
 * @property {number} port
 * @property {string} url
 * @property {() => number} unique distinct delivery ids accepted (answered 2xx)
 * @property {() => number} accepted deliveries answered 2xx
 * @property {() => number} duplicates deliveries of an id already accepted
 * @property {() => Record<string, number>} byEvent distinct ids per `x-tollgate-event`
 * @property {(mode: 'ok' | 'unavailable') => void} setMode
 * @property {() => Promise<void>} down
 * @property {() => Promise<void>} up
 * @property {() => boolean} isUp
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<SoakReceiver>} */
export async function startSoakReceiver() {
  /** @type {Set<string>} */
  const acceptedIds = new Set();
  /** @type {Map<string, Set<string>>} */
  const events = new Map();
  let accepted = 0;
  let duplicates = 0;
  /** @type {'ok' | 'unavailable'} */
  let mode = 'ok';
  let listening = false;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const event = String(req.headers['x-tollgate-event'] ?? 'unknown');
      if (!events.has(event)) events.set(event, new Set());
      events.get(event)?.add(id);
      if (mode === 'unavailable') {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"maintenance"}');
        return;
      }
      if (acceptedIds.has(id)) duplicates++;
      acceptedIds.add(id);
      accepted++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  /** @param {number} port */
  const listen = (port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve(undefined);
      });
    });
  await listen(0);
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  const down = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
    for (const s of sockets) s.destroy();
    await closed;
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    unique: () => acceptedIds.size,
    accepted: () => accepted,
    duplicates: () => duplicates,
    byEvent: () => Object.fromEntries([...events].map(([k, v]) => [k, v.size])),
    setMode: (m) => {
      mode = m;
    },
    down,
    up: () => (listening ? Promise.resolve() : listen(port)),
    isUp: () => listening,
    close: down,
  };
}
