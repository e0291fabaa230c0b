/**
 * One load cell: autocannon drives a target for a fixed time at a fixed concurrency. Latency is
 * recorded from autocannon's per-response timing (float milliseconds) rather than its integer
 * histogram, so sub-millisecond differences between configurations stay visible.
 */
import autocannon from 'autocannon';
import { Samples, percentile } from './stats.js';

/**
 * @typedef {object} LoadTarget
 * @property {string} url full URL of the endpoint
 * @property {Record<string, string>} headers request headers
 * @property {string | Buffer} body request body
 */

/**
 * @typedef {object} LoadResult
 * @property {number} rps 2xx responses per second
 * @property {number | undefined} p50 ms
 * @property {number | undefined} p99 ms
 * @property {number} ok 2xx responses
 * @property {number} failed non-2xx responses, errors and timeouts
 * @property {number} seconds measured time
 */

/**
 * Runs autocannon against `target`.
 * @param {LoadTarget} target
 * @param {{ connections: number, seconds: number }} load
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(target, load) {
  const samples = new Samples();
  let ok = 0;
  let non2xx = 0;
  const started = performance.now();
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections: load.connections,
    pipelining: 1,
    duration: load.seconds,
    timeout: 30,
  });
  instance.on('response', (/** @type {unknown} */ _client, /** @type {number} */ statusCode, /** @type {number} */ _bytes, /** @type {number} */ responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      samples.push(responseTime);
    } else non2xx++;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const sorted = samples.sorted();
  return {
    rps: ok / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ok,
    failed: non2xx + (result.errors ?? 0) + (result.timeouts ?? 0),
    seconds,
  };
}
