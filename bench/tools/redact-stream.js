/**
 * What keeping provider credentials out of a stream costs: a long SSE stream (the bench's
 * `chatStreamEvents`, 20000 events by default) cut into chunks of the sizes a provider sends, fed
 * through core's stream redactor with a typical credential set, against the same loop without
 * it. Prints ns per chunk and per KB, and the redactor's share of a relayed event's cost.
 *
 *   npm run build && node bench/tools/redact-stream.js [events] [credentials] [chunk bytes]
 */
import { performance } from 'node:perf_hooks';
import { SecretRedactor } from '@tollgate/core/internal';
import { chatStreamEvents } from '../lib/payloads.js';

const [events = '20000', credentials = '4', chunkBytes = '0'] = process.argv.slice(2);
const wire = Buffer.from(chatStreamEvents(Number(events)).join(''));
const fixed = Number(chunkBytes);
/** One upstream chunk per event (what providers usually do), or fixed-size pieces. @type {Buffer[]} */
const chunks = [];
if (fixed > 0) for (let i = 0; i < wire.length; i += fixed) chunks.push(wire.subarray(i, i + fixed));
else for (const e of chatStreamEvents(Number(events))) chunks.push(Buffer.from(e));
const keys = Array.from({ length: Number(credentials) }, (_, i) => `sk-proj-${String(i).repeat(4)}AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmn`);
const redactor = new SecretRedactor(keys);

/** Bytes of the stream, read without the redactor. */
function plain() {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** Bytes of the stream, through the redactor. */
function redacted() {
  const s = redactor.stream();
  let n = 0;
  for (const c of chunks) n += s.push(c).length;
  return n + s.end().length;
}

/**
 * Mean milliseconds of `fn` over `rounds` calls (after one warm-up call); checks no byte is lost.
 * @param {() => number} fn
 * @param {number} rounds
 */
function time(fn, rounds) {
  fn();
  const start = performance.now();
  let total = 0;
  for (let r = 0; r < rounds; r++) total += fn();
  const ms = (performance.now() - start) / rounds;
  if (total !== wire.length * rounds) throw new Error(`lost bytes: ${total} of ${wire.length * rounds}`);
  return ms;
}

const rounds = 20;
const base = time(plain, rounds);
const red = time(redacted, rounds);
const extra = red - base;
console.log(JSON.stringify({
  events: Number(events),
  chunks: chunks.length,
  bytes: wire.length,
  credentials: keys.length,
  msPerStream: { plain: +base.toFixed(3), redacted: +red.toFixed(3) },
  nsPerChunk: Math.round((extra * 1e6) / chunks.length),
  nsPerKB: Math.round((extra * 1e6) / (wire.length / 1024)),
}));
