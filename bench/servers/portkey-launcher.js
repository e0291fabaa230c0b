/**
 * Starts `@portkey-ai/gateway` (its own `build/start-server.js`, `--headless`) bound to
 * 127.0.0.1 on a free port instead of its fixed default, and reports `{ ready, port }` over IPC.
 * Portkey's code is untouched: only the first `listen` call's address is replaced, and streamed
 * upstream answers get mutable headers (see below).
 *
 * Usage: node portkey-launcher.js <path of build/start-server.js>
 */
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (entry === undefined) throw new Error('usage: portkey-launcher.js <start-server.js>');

/** `net.Server#listen`, untyped: its overloads are called with what Portkey passed. */
const listen = /** @type {(this: net.Server, ...args: unknown[]) => net.Server} */ (net.Server.prototype.listen);
let patched = false;
/**
 * Portkey's first listen goes to 127.0.0.1 on a free port, which is reported to the parent.
 * @this {net.Server}
 * @param {unknown[]} args
 */
function patchedListen(...args) {
  if (patched) return listen.apply(this, args);
  patched = true;
  const callback = args.find((a) => typeof a === 'function');
  this.once('listening', () => {
    const address = /** @type {import('node:net').AddressInfo} */ (this.address());
    process.send?.({ ready: true, port: address.port });
  });
  return callback === undefined ? listen.call(this, 0, '127.0.0.1') : listen.call(this, 0, '127.0.0.1', callback);
}
Object.assign(net.Server.prototype, { listen: patchedListen });

// Portkey 1.15.2 on Node answers every streamed request with 500 "Something went wrong": it
// appends `x-portkey-*` headers to a Response built on the upstream fetch Response, whose headers
// are immutable (https://github.com/Portkey-AI/gateway/issues/1550, same class as #1389). The
// fix proposed upstream (PR #1551) copies the response first; this does the same, for streamed
// answers only, before Portkey sees them: one Response object per streamed call.
const NativeResponse = globalThis.Response;
const nativeFetch = globalThis.fetch;
/**
 * @param {Parameters<typeof fetch>[0]} input
 * @param {Parameters<typeof fetch>[1]} [init]
 * @returns {Promise<Response>}
 */
async function fetchWithMutableStreamHeaders(input, init) {
  const res = await nativeFetch(input, init);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return res;
  return new NativeResponse(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
Object.assign(globalThis, { fetch: fetchWithMutableStreamHeaders });

process.argv = [process.argv[0], entry, '--headless'];
process.on('disconnect', () => process.exit(0));
await import(pathToFileURL(entry).href);
