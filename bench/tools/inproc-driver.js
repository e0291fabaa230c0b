/**
 * A deterministic workload for A/B comparisons of core changes on a noisy machine: a fake
 * upstream, a gateway built from the given `@tollgate/core` build and a keep-alive client, all in
 * this process, serving `n` requests one after another. Run it under valgrind's callgrind, which
 * counts instructions (repeatable whatever else the machine does), for two request counts and
 * two builds; the difference divided by the extra requests is the cost per request:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null --smc-check=all-non-file \
 *     node bench/tools/inproc-driver.js <core dist index.js> <n> [chat|stream]
 *
 * The gateway has the bench's API-key identity and an allow-all `onToolCall` tap; access log on.
 */
import { Agent, createServer, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { chatRequest, chatResponse, chatStreamEvents } from '../lib/payloads.js';

const [corePath, count = '1000', mode = 'chat'] = process.argv.slice(2);
if (corePath === undefined) throw new Error('usage: inproc-driver.js <core dist index.js> [n] [chat|stream]');
const core = await import(pathToFileURL(resolve(corePath)).href);
const n = Number(count);
const stream = mode === 'stream';

const json = Buffer.from(chatResponse());
const sse = Buffer.from(chatStreamEvents(50).join(''));
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (stream) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sse);
    else res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(json.length) }).end(json);
  });
});
await new Promise((done) => upstream.listen(0, '127.0.0.1', () => done(undefined)));
const port = /** @type {import('node:net').AddressInfo} */ (upstream.address()).port;

const tap = { name: 'tap', apply: (/** @type {any} */ host) => host.hooks.onToolCall.tapPromise('tap', async () => undefined) };
const gateway = await core.createGateway({
  config: {
    providers: { bench: { baseurl: `http://127.0.0.1:${port}/v1`, models: ['bench-model'], apikey: 'sk-bench-provider-key' } },
    identity: { api_keys: { 'bench-key': 'bench@example.com' }, loopback: false },
  },
  plugins: [tap],
  logDestination: { write() {} },
});
await gateway.listen({ host: '127.0.0.1', port: 0 });

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const body = chatRequest({ stream, events: 50 });
const once = () =>
  new Promise((done, fail) => {
    const req = request(`${gateway.url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? done(undefined) : fail(new Error(`status ${res.statusCode}`))));
    });
    req.end(body);
  });
for (let i = 0; i < n; i++) await once();
agent.destroy();
await gateway.close();
upstream.close();
