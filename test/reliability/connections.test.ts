import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, prepareConfig } from '@tollgate/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeUpstream, type TestGateway, jsonResponder, startProcess } from '@tollgate/testing';
import { providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type RawClient, connectionsOf, portOf, post, rawConnect, statusLines } from './support/http.js';

const OK_BODY = { id: 'chatcmpl-ok', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] };
const CHAT = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

/** Client timeouts small enough for a test (Node checks them every second). */
const LISTEN = { headers_timeout: '1s', request_timeout: '2s', keep_alive_timeout: '500ms' };

/**
 * Idle connections for the flood test: 2000, fewer when the file-descriptor limit is low (each
 * costs two descriptors here, the client's and the gateway's; macOS defaults to 256).
 */
const IDLE_CONNECTIONS = ((): number => {
  let limit = 4096;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || limit;
  } catch {
    // no shell: assume a common limit
  }
  return Math.max(50, Math.min(2000, Math.floor((limit - 256) / 2)));
})();

/** Polls until `check` holds; fails after `timeoutMs` with `what`. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('reliability: connections', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let port: number;

  async function start(listen: Record<string, unknown> = LISTEN): Promise<void> {
    upstream = await guard.upstream(jsonResponder(OK_BODY));
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url), listen } });
    port = portOf(gw.url);
  }

  async function assertServes(): Promise<void> {
    const before = upstream.requests.length;
    const ok = await post(gw.url, '/v1/chat/completions', CHAT);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(upstream.requests.length, before + 1);
  }

  /** Sends raw bytes on a fresh connection; resolves with what came back once the gateway closed it. */
  async function rawRequest(bytes: string): Promise<string> {
    const client = await rawConnect(port);
    client.write(bytes);
    return client.closed;
  }

  describe('request smuggling', () => {
    beforeEach(() => start());

    const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n';
    const smuggled = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`;
    const attacks: Array<[string, string]> = [
      ['Content-Length and Transfer-Encoding together (CL.TE)', `${head}Content-Length: ${CHAT.length + 5}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
      ['Transfer-Encoding and Content-Length together (TE.CL)', `${head}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${CHAT.length.toString(16)}\r\n${CHAT}\r\n0\r\n\r\n`],
      ['two different Content-Length headers', `${head}Content-Length: ${CHAT.length}\r\nContent-Length: 0\r\n\r\n${CHAT}`],
      ['a Content-Length list', `${head}Content-Length: ${CHAT.length}, 0\r\n\r\n${CHAT}`],
      ['a signed Content-Length', `${head}Content-Length: +${CHAT.length}\r\n\r\n${CHAT}`],
      ['an obfuscated Transfer-Encoding (xchunked)', `${head}Transfer-Encoding: xchunked\r\n\r\n${CHAT.length.toString(16)}\r\n${CHAT}\r\n0\r\n\r\n`],
      ['Transfer-Encoding not ending in chunked', `${head}Transfer-Encoding: chunked, identity\r\n\r\n${CHAT.length.toString(16)}\r\n${CHAT}\r\n0\r\n\r\n`],
      ['a space before the colon of Transfer-Encoding', `${head}Transfer-Encoding : chunked\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`],
      ['a chunk size that is not hex', `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n${CHAT}\r\n0\r\n\r\n`],
      ['an overflowing chunk size', `${head}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n${CHAT}\r\n0\r\n\r\n`],
      ['bare LF line endings', `POST /v1/chat/completions HTTP/1.1\nHost: gw\nContent-Type: application/json\nContent-Length: ${CHAT.length}\n\n${CHAT}`],
    ];
    for (const [name, bytes] of attacks) {
      it(`${name}: 400 from the HTTP parser, connection closed, nothing reaches the provider`, async () => {
        const answer = await rawRequest(bytes);
        assert.deepEqual(statusLines(answer), [400], 'exactly one answer, a 400 (the smuggled request is never parsed)');
        assert.equal(upstream.requests.length, 0, 'no request, smuggled or not, reached the provider');
        await assertServes();
      });
    }

    it('HTTP request text inside a JSON body is opaque: the provider gets one request with exactly those bytes', async () => {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `x\r\n\r\nGET /admin HTTP/1.1\r\nHost: internal\r\nContent-Length: 0\r\n\r\n` }] });
      const answer = await rawRequest(`${head}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      assert.deepEqual(statusLines(answer), [200]);
      assert.equal(upstream.requests.length, 1);
      assert.equal(upstream.requests[0]?.raw.toString('utf8'), body);
      assert.equal(upstream.requests[0]?.url, '/v1/chat/completions');
    });

    it('pipelined requests on one connection are answered in order, each forwarded once', async () => {
      const one = `${head}Content-Length: ${CHAT.length}\r\n\r\n${CHAT}`;
      const answer = await rawRequest(`${one}${one}${head}Content-Length: ${CHAT.length}\r\nConnection: close\r\n\r\n${CHAT}`);
      assert.deepEqual(statusLines(answer), [200, 200, 200]);
      assert.equal(upstream.requests.length, 3);
    });
  });

  describe('slow and idle clients', () => {
    it('slowloris in the headers: the connection is closed after headers_timeout while others are served', async () => {
      await start();
      const client = await rawConnect(port);
      client.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n');
      const drip = setInterval(() => client.write('X'), 50);
      try {
        await assertServes();
        const text = await client.closed;
        assert.deepEqual(statusLines(text), [408], `closed with a 408, got ${JSON.stringify(text.slice(0, 40))}`);
      } finally {
        clearInterval(drip);
      }
      assert.equal(upstream.requests.length, 1);
      await eventually(async () => (await connectionsOf(gw.gateway.server!)) === 0, 'no client connection left');
    });

    it('slowloris in the body: 408 after request_timeout, nothing upstream, others served', async () => {
      await start();
      const client = await rawConnect(port);
      client.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\n\r\n`);
      let i = 0;
      // One byte every 50 ms would take longer than request_timeout for the whole body.
      const drip = setInterval(() => client.write(CHAT.charAt(i++ % CHAT.length)), 50);
      try {
        await assertServes();
        const text = await client.closed;
        assert.deepEqual(statusLines(text), [408], `closed with a 408, got ${JSON.stringify(text.slice(0, 40))}`);
      } finally {
        clearInterval(drip);
      }
      assert.equal(upstream.requests.length, 1, 'the half-sent request never went upstream');
      const exchange = await gw.exchange(2);
      assert.equal(exchange.aborted, true);
    });

    it('an idle keep-alive connection is closed after keep_alive_timeout', async () => {
      await start();
      const client = await rawConnect(port);
      client.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\n\r\n${CHAT}`);
      const text = await client.closed;
      assert.deepEqual(statusLines(text), [200]);
    });

    it(`${IDLE_CONNECTIONS} idle connections: a normal request is still served, and every idle one is reaped`, async () => {
      // Opening thousands of connections can take seconds on a slow machine: hold them all
      // first (long timeouts), then lower the server's timeouts (Node reads them at every
      // connection check) and watch the gateway reap them.
      await start({ ...LISTEN, headers_timeout: '60s', request_timeout: '120s' });
      const server = gw.gateway.server!;
      const idle: RawClient[] = [];
      try {
        for (let i = 0; i < IDLE_CONNECTIONS; i += 100) {
          const batch = await Promise.all(Array.from({ length: Math.min(100, IDLE_CONNECTIONS - i) }, () => rawConnect(port)));
          // Half say nothing at all, half send part of a request line.
          batch.forEach((c, j) => (j % 2 === 0 ? c.write('POST /v1/chat/comp') : undefined));
          idle.push(...batch);
        }
        await eventually(async () => (await connectionsOf(server)) >= IDLE_CONNECTIONS, 'the gateway to hold every idle connection');
        await assertServes();
        server.headersTimeout = 1000;
        server.requestTimeout = 2000;
        await Promise.all(idle.map((c) => c.closed));
        await eventually(async () => (await connectionsOf(server)) === 0, 'the gateway to close every idle connection');
        await assertServes();
      } finally {
        for (const c of idle) c.destroy();
      }
    });

    it('a connection that never sends a byte is closed after headers_timeout; the client timeouts cannot be turned off (issue 14)', async () => {
      await start();
      const client = await rawConnect(port);
      const text = await client.closed;
      assert.deepEqual(statusLines(text), [408]);
      for (const field of ['headers_timeout', 'request_timeout', 'keep_alive_timeout']) {
        await assert.rejects(prepareConfig({ raw: { providers: providersFor(upstream.url), listen: { [field]: '0' } }, plugins: [] }), (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.deepEqual(err.issues.filter((i) => i.severity === 'error').map((i) => i.path), [`config/listen/${field}`]);
          return true;
        });
      }
    });

    it('max_connections has a finite default', async () => {
      upstream = await guard.upstream(jsonResponder(OK_BODY));
      gw = await guard.gateway({ config: { providers: providersFor(upstream.url) } });
      assert.equal(gw.gateway.server?.maxConnections, 4096);
    });

    it('max_connections: connections beyond the limit are dropped at once; service resumes once slots free up', async () => {
      await start({ ...LISTEN, max_connections: 10 });
      const held: RawClient[] = [];
      try {
        for (let i = 0; i < 10; i++) held.push(await rawConnect(port));
        await eventually(async () => (await connectionsOf(gw.gateway.server!)) === 10, 'ten connections held');
        const extra = await rawConnect(port);
        assert.equal(await extra.closed, '', 'the eleventh connection is closed without an answer');
        for (const c of held) c.destroy();
        await eventually(async () => (await connectionsOf(gw.gateway.server!)) === 0, 'slots free');
        await assertServes();
      } finally {
        for (const c of held) c.destroy();
      }
    });
  });
});

describe('reliability: file descriptor exhaustion (issue 14)', () => {
  const guard = useGuard();
  const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'tollgate.js');
  const hasPrlimit = ((): boolean => {
    try {
      execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
      return existsSync('/proc/self/fd');
    } catch {
      return false;
    }
  })();

  it('a request that needs a new provider connection gets the gateway\'s own 503, never a provider failure; service resumes once descriptors free up', async function () {
    if (!hasPrlimit) this.skip(); // needs Linux and util-linux's prlimit to lower a running process's limit
    const upstream = await guard.upstream(jsonResponder(OK_BODY));
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-emfile-'));
    guard.defer(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'tollgate.json');
    writeFileSync(config, JSON.stringify({ providers: providersFor(upstream.url), plugins: [], logging: { level: 'warn' } }));
    const cli = startProcess(process.execPath, [BIN, 'start', '--config', config, '--data-dir', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0']);
    guard.defer(() => cli.stop());
    const url = (await cli.waitFor(/tollgate listening on (http:\/\/[^\s]+)/))[1] as string;
    const pid = cli.pid as number;
    // Leave the gateway a few descriptors, then take them with idle connections.
    const open = readdirSync(`/proc/${pid}/fd`).length;
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${open + 8}:${open + 8}`]);
    const held: RawClient[] = [];
    guard.defer(() => {
      for (const c of held) c.destroy();
    });
    for (let i = 0; i < 40; i++) held.push(await rawConnect(portOf(url)));
    await sleep(300);
    const alive = held.filter((c) => !c.socket.destroyed);
    assert.ok(alive.length > 0 && alive.length < held.length, `some connections accepted, the rest refused (${alive.length} of ${held.length})`);
    // A request on an accepted connection: the gateway cannot open one to the provider.
    const client = alive[0] as RawClient;
    client.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${CHAT.length}\r\nConnection: close\r\n\r\n${CHAT}`);
    const text = await client.closed;
    assert.deepEqual(statusLines(text), [503], text.slice(0, 300));
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; type: string; message: string } };
    assert.equal(body.error.code, 'gateway_overloaded');
    assert.doesNotMatch(body.error.message, /provider/);
    assert.match(text, /retry-after: 1/i);
    assert.equal(upstream.requests.length, 0);
    // Descriptors free up: served again, by the same process.
    for (const c of held) c.destroy();
    await sleep(300);
    const ok = await post(url, '/v1/chat/completions', CHAT);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(cli.done, false);
  });
});
