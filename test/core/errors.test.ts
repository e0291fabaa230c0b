import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { FakeUpstream } from '@tollgate/testing';
import { jsonResponder, readFixture } from '@tollgate/testing';
import { type RawResponse, BIN_SINGLE, chat, deferred, fixtureFrames, openStream, postChat, send, sseData, steppedResponder, useResources } from './helpers.js';

/** Asserts an OpenAI error envelope with this status, type and (optional) code. */
function assertEnvelope(res: RawResponse, status: number, type: string, code?: string | null): void {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.type, type);
  assert.equal(body.error.param, null);
  if (code !== undefined) assert.equal(body.error.code, code);
}

describe('bad input', () => {
  const r = useResources();
  let upstream: FakeUpstream;
  let url: string;

  beforeEach(async () => {
    upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gateway({
      config: {
        providers: {
          openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] },
          // Only speaks the Anthropic format.
          anthropic: { baseurl: upstream.url, models: ['claude-only'], compatibility: { anthropic_messages: true } },
        },
        limits: { max_body_size: '1kb', max_json_depth: 8 },
      },
    });
    url = gw.url;
  });

  afterEach(() => assert.equal(upstream.requests.length, 0, 'bad input never reaches the provider'));

  const cases: Array<[string, () => Promise<RawResponse>, number, string, string | null | undefined]> = [
    ['malformed JSON', () => send(url, { body: '{"model": "gpt-4o", "messages": [' }), 400, 'invalid_request_error', undefined],
    ['an empty body', () => send(url, { body: '' }), 400, 'invalid_request_error', undefined],
    ['a JSON array', () => send(url, { body: '[]' }), 400, 'invalid_request_error', undefined],
    ['a JSON string', () => send(url, { body: '"hi"' }), 400, 'invalid_request_error', undefined],
    ['invalid UTF-8', () => send(url, { body: Buffer.concat([Buffer.from('{"model":"gpt-4o","messages":[],"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) }), 400, 'invalid_request_error', undefined],
    ['a missing model', () => postChat(url, { messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_request_error', 'missing_model'],
    ['a non-string model', () => postChat(url, { model: 42, messages: [] }), 400, 'invalid_request_error', 'missing_model'],
    ['missing messages', () => postChat(url, { model: 'gpt-4o' }), 400, 'invalid_request_error', 'invalid_type'],
    ['a non-boolean stream', () => postChat(url, chat('gpt-4o', { stream: 'yes' })), 400, 'invalid_request_error', 'invalid_type'],
    ['a duplicate top-level key', () => send(url, { body: '{"model":"gpt-4o","model":"other","messages":[]}' }), 400, 'invalid_request_error', undefined],
    ['JSON nested too deep', () => postChat(url, chat('gpt-4o', { x: [[[[[[[[[[1]]]]]]]]]] })), 400, 'invalid_request_error', undefined],
    ['an unknown model', () => postChat(url, chat('gpt-9000')), 404, 'not_found_error', 'model_not_found'],
    ['an unknown provider/model', () => postChat(url, chat('nobody/gpt-4o')), 404, 'not_found_error', 'model_not_found'],
    ['a model whose provider does not speak this API', () => postChat(url, chat('claude-only')), 404, 'not_found_error', 'unsupported_api'],
    ['a body over the limit (Content-Length)', () => postChat(url, chat('gpt-4o', { pad: 'x'.repeat(2048) })), 413, 'invalid_request_error', undefined],
    ['a body over the limit (chunked)', () => chunkedPost(url, JSON.stringify(chat('gpt-4o', { pad: 'x'.repeat(4096) }))), 413, 'invalid_request_error', undefined],
    ['a non-JSON content type', () => send(url, { body: JSON.stringify(chat('gpt-4o')), headers: { 'content-type': 'text/html' } }), 415, 'invalid_request_error', undefined],
    ['a compressed body', () => send(url, { body: gzipSync(JSON.stringify(chat('gpt-4o'))), headers: { 'content-encoding': 'gzip' } }), 415, 'invalid_request_error', undefined],
    ['GET on the chat path', () => send(url, { method: 'GET' }), 405, 'invalid_request_error', undefined],
    ['PUT on the chat path', () => send(url, { method: 'PUT', body: '{}' }), 405, 'invalid_request_error', undefined],
    ['POST on /v1/models', () => send(url, { path: '/v1/models', body: '{}' }), 405, 'invalid_request_error', undefined],
    ['an unknown path', () => send(url, { path: '/v1/embeddingz', body: '{}' }), 404, 'not_found_error', 'unknown_url'],
  ];
  for (const [what, call, status, type, code] of cases) {
    it(`${what}: ${status} ${type}`, async () => {
      const res = await call();
      assertEnvelope(res, status, type, code);
      if (status === 405) assert.ok(res.headers.allow, 'a 405 says what is allowed');
    });
  }

  it('the exchange of a refused request is still emitted, with status and error', async () => {
    const gw = await r.gatewayFor(upstream);
    await postChat(gw.url, chat('gpt-9000'));
    const e = await gw.exchange();
    assert.equal(e.status, 404);
    assert.equal(e.error?.code, 'model_not_found');
    assert.equal(e.provider, undefined);
    assert.equal(e.model, 'gpt-9000');
    assert.equal(e.identity?.login, '(loopback)');
  });
});

/** POSTs `body` with chunked transfer encoding (no Content-Length). */
function chunkedPost(url: string, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8'), json: () => JSON.parse(b.toString('utf8')) });
      });
    });
    // The gateway may answer 413 and close before it read everything: that is not a test failure.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (let i = 0; i < body.length; i += 512) req.write(body.slice(i, i + 512));
    req.end();
  });
}

describe('upstream failures', () => {
  const r = useResources();

  it('refused connection: 502 upstream_unreachable, naming the provider but not its address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gw = await r.gateway({ config: { providers: { openai: { baseurl: `http://127.0.0.1:${port}/v1`, models: ['gpt-4o'] } } } });
    const res = await postChat(gw.url, chat('gpt-4o'));
    assertEnvelope(res, 502, 'upstream_error', 'upstream_unreachable');
    assert.match(res.json().error.message, /"openai"/);
    assert.ok(!res.text.includes(String(port)));
    const e = await gw.exchange();
    assert.equal(e.status, 502);
    assert.equal(e.upstreamStatus, undefined);
  });

  it('no response headers in time: 504 upstream_timeout', async () => {
    const upstream = await r.upstream(() => undefined); // never answers
    const gw = await r.gatewayFor(upstream, { config: { limits: { upstream_headers_timeout: '100ms' } } });
    assertEnvelope(await postChat(gw.url, chat('gpt-4o')), 504, 'timeout_error', 'upstream_timeout');
    assert.equal((await gw.exchange()).status, 504);
  });

  it('a stream that goes silent: the client gets an SSE error event (504 kind) after the text already sent', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const never = deferred();
    const upstream = await r.upstream(steppedResponder(frames, { 3: never.promise }).responder);
    const gw = await r.gatewayFor(upstream, { config: { limits: { upstream_idle_timeout: '100ms' } } });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith(frames.slice(0, 3).join('')));
    assert.deepEqual((sseData(res.text).at(-1) as { error: { type: string; code: string } }).error.type, 'timeout_error');
    assert.equal((sseData(res.text).at(-1) as { error: { code: string } }).error.code, 'upstream_timeout');
    const e = await gw.exchange();
    assert.equal(e.error?.code, 'upstream_timeout');
    assert.equal(e.aborted, false);
  });

  it('a provider that crashes mid-stream: an SSE error event ends the stream', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const crash = deferred();
    const stepped = steppedResponder(frames, { 2: crash.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream);
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await stream.until((t) => t === frames.slice(0, 2).join(''));
    upstream.destroyConnections();
    const text = await stream.done();
    assert.equal((sseData(text).at(-1) as { error: { type: string } }).error.type, 'upstream_error');
    const e = await gw.exchange();
    assert.equal(e.error?.kind, 'upstream');
    crash.resolve();
  });

  it('5xx and 4xx answers pass through with their status, body and retry headers', async () => {
    const overloaded = JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error', param: null, code: null } });
    const legacy = readFixture('openai-chat', 'reasoning-model-legacy-parameter-error.json');
    for (const [status, body, headers] of [
      [500, Buffer.from(overloaded), {}],
      [503, Buffer.from(overloaded), { 'retry-after': '7' }],
      [429, Buffer.from(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } })), { 'retry-after': '1', 'x-ratelimit-remaining-requests': '0' }],
      [400, legacy, {}],
    ] as Array<[number, Buffer, Record<string, string>]>) {
      const upstream = await r.upstream(jsonResponder(body, status, headers));
      const gw = await r.gatewayFor(upstream);
      for (const stream of [false, true]) {
        const res = await postChat(gw.url, chat('gpt-4o', { stream }));
        assert.equal(res.status, status);
        assert.ok(res.body.equals(body), `${status} body passes through (stream: ${stream})`);
        for (const [k, v] of Object.entries(headers)) assert.equal(res.headers[k], v);
      }
      const e = await gw.exchange();
      assert.equal(e.status, status);
      assert.equal(e.upstreamStatus, status);
      assert.deepEqual(e.responseBody, JSON.parse(body.toString('utf8')));
      assert.equal(e.error?.status, status);
    }
  });

  it('a 5xx with a non-JSON body: 502 upstream_error', async () => {
    const upstream = await r.upstream((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });
    const gw = await r.gatewayFor(upstream);
    const res = await postChat(gw.url, chat('gpt-4o'));
    assertEnvelope(res, 502, 'upstream_error', 'upstream_error');
    assert.ok(!res.text.includes('<html>'));
  });

  it('a garbage 200: 502 upstream_invalid_response', async () => {
    const upstream = await r.upstream(jsonResponder('this is not json {', 200));
    const gw = await r.gatewayFor(upstream);
    assertEnvelope(await postChat(gw.url, chat('gpt-4o')), 502, 'upstream_error', 'upstream_invalid_response');
    const e = await gw.exchange();
    assert.equal(e.status, 502);
    assert.equal(e.upstreamStatus, 200);
  });

  it('a provider that hangs up before answering: 502', async () => {
    const upstream = await r.upstream((_req, res) => void res.socket?.destroy());
    const gw = await r.gatewayFor(upstream);
    assertEnvelope(await postChat(gw.url, chat('gpt-4o')), 502, 'upstream_error');
  });
});

describe('client disconnect', () => {
  const r = useResources();

  it('mid-stream: the upstream request is aborted and the exchange is emitted as aborted', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const never = deferred();
    const stepped = steppedResponder(frames, { 2: never.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream);
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await stream.until((t) => t === frames.slice(0, 2).join(''));
    stream.destroy();
    await stepped.hungUp; // the fake provider saw its connection close
    const e = await gw.exchange();
    assert.equal(e.aborted, true);
    assert.equal(e.status, 200, 'the status that was sent');
    assert.equal(e.error, undefined);
    assert.equal(e.rawResponses.length, 2, 'what arrived before the hang-up is recorded');
    const access = gw.logs.access[0];
    assert.equal(access?.aborted, true);
  });

  it('mid-stream with onToolCall taps: the upstream request is aborted too', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const never = deferred();
    const stepped = steppedResponder(frames, { 2: never.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream, { plugins: [{ name: 'p', apply: (h) => h.hooks.onToolCall.tap('p', () => undefined) }] });
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await stepped.written(1);
    stream.destroy();
    await stepped.hungUp;
    const e = await gw.exchange();
    assert.equal(e.aborted, true);
    assert.equal(e.status, 499, 'nothing was sent: the tool call was still held');
  });

  it('before the answer: the upstream request is aborted, the exchange has status 499', async () => {
    const answered = deferred();
    const hungUp = deferred();
    const upstream = await r.upstream((_req, res) => {
      res.on('close', () => hungUp.resolve());
      void answered.promise;
    });
    const gw = await r.gatewayFor(upstream);
    const req = request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false });
    req.on('error', () => undefined);
    req.end(JSON.stringify(chat('gpt-4o')));
    await upstream.waitForRequests(1);
    req.destroy();
    await hungUp.promise;
    const e = await gw.exchange();
    assert.equal(e.aborted, true);
    assert.equal(e.status, 499);
  });
});
