/**
 * Time to first byte of streamed answers: one keep-alive connection, one request at a time, for
 * a fixed time. TTFB is measured to the first *body* byte (the first SSE event), not to the
 * status line, so a proxy that sends headers early gains nothing; total is to the last byte.
 */
import { Agent, request } from 'node:http';
import { Samples, percentile } from './stats.js';

/**
 * @typedef {object} ProbeResult
 * @property {number | undefined} ttfbP50 ms
 * @property {number | undefined} ttfbP99 ms
 * @property {number | undefined} totalP50 ms
 * @property {number | undefined} totalP99 ms
 * @property {number} ok requests that ended with status 200 and `[DONE]`
 * @property {number} failed other requests
 */

/**
 * @param {import('./load.js').LoadTarget} target
 * @param {Agent} agent
 * @returns {Promise<{ ttfb: number, total: number, ok: boolean }>}
 */
function once(target, agent) {
  return new Promise((resolve) => {
    const start = performance.now();
    let ttfb = -1;
    let tail = '';
    const req = request(target.url, { method: 'POST', headers: target.headers, agent }, (res) => {
      res.on('data', (/** @type {Buffer} */ chunk) => {
        if (ttfb < 0) ttfb = performance.now() - start;
        tail = (tail + chunk.toString('latin1')).slice(-64);
      });
      res.on('end', () => resolve({ ttfb, total: performance.now() - start, ok: res.statusCode === 200 && tail.includes('[DONE]') }));
      res.on('error', () => resolve({ ttfb, total: 0, ok: false }));
    });
    req.on('error', () => resolve({ ttfb: -1, total: 0, ok: false }));
    req.end(target.body);
  });
}

/**
 * Sends streaming requests one after another for `seconds`.
 * @param {import('./load.js').LoadTarget} target
 * @param {{ seconds: number }} options
 * @returns {Promise<ProbeResult>}
 */
export async function probeStream(target, options) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ttfb = new Samples();
  const total = new Samples();
  let ok = 0;
  let failed = 0;
  const until = performance.now() + options.seconds * 1000;
  try {
    while (performance.now() < until) {
      const r = await once(target, agent);
      if (r.ok) {
        ok++;
        ttfb.push(r.ttfb);
        total.push(r.total);
      } else failed++;
    }
  } finally {
    agent.destroy();
  }
  const t = ttfb.sorted();
  const d = total.sorted();
  return { ttfbP50: percentile(t, 50), ttfbP99: percentile(t, 99), totalP50: percentile(d, 50), totalP99: percentile(d, 99), ok, failed };
}
