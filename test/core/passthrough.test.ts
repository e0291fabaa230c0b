import assert from 'node:assert/strict';
import { request } from 'node:http';
import { jsonResponder, readChunks, readFixture, sseResponder } from '@tollgate/testing';
import { BIN_PARALLEL, BIN_SINGLE, PROVIDER_KEY, STREAM_FIXTURES, chat, fixtureWire, pieces, postChat, send, useResources } from './helpers.js';

/** What the README says each stream reassembles to. */
const EXPECTED: Record<string, { calls: Array<{ id: string; name: string; params: Record<string, unknown> }>; finish: string; usage: [number, number, number]; model: string }> = {
  'openai-text.chunks.txt': { calls: [], finish: 'stop', usage: [16, 300, 316], model: 'gpt-4.1-nano-2025-04-14' },
  [BIN_SINGLE]: {
    calls: [{ id: 'call_c91SqDXlYFuETYv8mUHzz6pp', name: 'GetWeatherArgs', params: { city: 'Edinburgh', country: 'UK', units: 'c' } }],
    finish: 'tool_calls',
    usage: [76, 24, 100],
    model: 'gpt-4o-2024-08-06',
  },
  [BIN_PARALLEL]: {
    calls: [
      { id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs', params: { city: 'Edinburgh', country: 'GB', units: 'c' } },
      { id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price', params: { ticker: 'AAPL', exchange: 'NASDAQ' } },
    ],
    finish: 'tool_calls',
    usage: [149, 60, 209],
    model: 'gpt-4o-2024-08-06',
  },
  'groq-tool-call.chunks.txt': { calls: [{ id: 'tk85n1k4m', name: 'weather', params: {} }], finish: 'tool_calls', usage: [210, 15, 225], model: 'llama-3.3-70b-versatile' },
  'deepseek-tool-call.chunks.txt': {
    calls: [{ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather', params: { location: 'San Francisco' } }],
    finish: 'tool_calls',
    usage: [339, 83, 422],
    model: 'deepseek-reasoner',
  },
};

/** The data objects of a fixture stream, as the exchange must carry them. */
function dataObjects(file: string): unknown[] {
  if (!file.endsWith('.bin')) return readChunks('openai-chat', file);
  return fixtureWire(file)
    .toString('utf8')
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => JSON.parse(f.slice(6)));
}

describe('passthrough: streaming (captured OpenAI chat fixtures)', () => {
  const r = useResources();

  for (const file of STREAM_FIXTURES) {
    for (const [mode, gate] of [
      ['no onToolCall taps', false],
      ['an allow-all onToolCall tap', true],
    ] as const) {
      it(`${file} reaches the client byte for byte (${mode})`, async () => {
        const wire = fixtureWire(file);
        // Odd-sized writes put chunk boundaries everywhere: inside events, lines and characters.
        const upstream = await r.upstream(sseResponder(pieces(wire, 97)));
        const allowed: string[] = [];
        const gw = await r.gatewayFor(upstream, {
          plugins: gate ? [{ name: 'allow-all', apply: (h) => h.hooks.onToolCall.tap('allow-all', (c) => void allowed.push(c.call.id)) }] : [],
        });
        const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        assert.equal(res.headers['content-length'], undefined);
        assert.ok(res.body.equals(wire), 'the client gets exactly the upstream bytes');
        assert.deepEqual(allowed, gate ? EXPECTED[file]!.calls.map((c) => c.id) : []);
      });
    }

    it(`${file}: the exchange carries the reassembled response, raw data objects, tool calls and usage`, async () => {
      const upstream = await r.upstream(sseResponder([fixtureWire(file)]));
      const gw = await r.gatewayFor(upstream);
      const res = await postChat(gw.url, chat('gpt-4o', { stream: true }), { 'user-agent': 'passthrough-test' });
      assert.equal(res.status, 200);
      const e = await gw.exchange();
      const want = EXPECTED[file]!;
      assert.equal(e.requestId, res.headers['x-request-id']);
      assert.equal(e.format, 'openai_chat');
      assert.deepEqual(e.provider, { id: 'openai', name: 'openai' });
      assert.equal(e.model, 'gpt-4o');
      assert.equal(e.path, '/v1/chat/completions');
      assert.equal(e.method, 'POST');
      assert.equal(e.userAgent, 'passthrough-test');
      assert.equal(e.identity?.login, '(loopback)');
      assert.equal(e.streamed, true);
      assert.equal(e.status, 200);
      assert.equal(e.upstreamStatus, 200);
      assert.equal(e.aborted, false);
      assert.equal(e.error, undefined);
      assert.deepEqual(e.requestBody, chat('gpt-4o', { stream: true }));
      assert.equal(e.userMessage, 'What is the weather in Edinburgh?');
      assert.deepEqual(e.rawResponses, dataObjects(file));
      assert.deepEqual(e.toolCalls.map((c) => ({ id: c.id, name: c.name, params: c.params })), want.calls);
      assert.deepEqual([e.usage.inputTokens, e.usage.outputTokens, e.usage.totalTokens], want.usage);
      const body = e.responseBody as { object: string; model: string; choices: Array<{ finish_reason: string; message: { tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> } }> };
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.model, want.model);
      assert.equal(body.choices[0]?.finish_reason, want.finish);
      assert.deepEqual(
        (body.choices[0]?.message.tool_calls ?? []).map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
        want.calls.map((c) => [c.id, c.name, c.params]),
      );
      assert.ok(e.timings.startedAt > 0);
      assert.ok(e.timings.upstreamHeadersMs !== undefined && e.timings.firstByteMs !== undefined);
      assert.ok(e.timings.upstreamHeadersMs <= e.timings.firstByteMs && e.timings.firstByteMs <= e.timings.durationMs);
      assert.deepEqual(e.toolDecisions, []);
      assert.ok(Object.isFrozen(e));
    });
  }

  it('backpressure: a slow client gets every byte, and waiting for it leaks no listeners', async () => {
    const frame = `data: ${JSON.stringify({ id: 'chatcmpl-big', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'y'.repeat(16_000) }, finish_reason: null }] })}\n\n`;
    const frames = [...Array.from({ length: 600 }, () => frame), 'data: [DONE]\n\n'];
    let upstreamBlocked = 0;
    const upstream = await r.upstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const f of frames) {
        if (!res.write(f)) {
          upstreamBlocked++;
          await new Promise((ok) => res.once('drain', ok));
        }
      }
      res.end();
    });
    const gw = await r.gatewayFor(upstream);
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    r.add(() => void process.off('warning', onWarning));
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          // Read one chunk per turn of the event loop: the gateway must wait for this client.
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve(n));
      });
      req.on('error', reject);
      req.end(JSON.stringify(chat('gpt-4o', { stream: true })));
    });
    assert.equal(received, frames.join('').length);
    assert.ok(upstreamBlocked > 0, 'the upstream had to wait for the gateway');
    // Warnings are emitted on the next tick.
    await new Promise((ok) => setImmediate(ok));
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  });

  it('reuses one pooled upstream connection across requests, also after an error answer', async () => {
    const sockets = new Set<unknown>();
    const answers = [jsonResponder({ error: { message: 'bad' } }, 400), sseResponder([fixtureWire(BIN_SINGLE)]), jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json'))];
    let n = 0;
    const upstream = await r.upstream((req, res) => {
      sockets.add(res.socket);
      return answers[n++ % answers.length]!(req, res);
    });
    const gw = await r.gatewayFor(upstream);
    const statuses: number[] = [];
    for (const stream of [false, true, false, true, false, true]) statuses.push((await postChat(gw.url, chat('gpt-4o', { stream }))).status);
    assert.deepEqual(statuses, [400, 200, 200, 400, 200, 200]);
    assert.equal(sockets.size, 1);
  });

  it('forwards the request body bytes unchanged, to /v1/chat/completions once, with the provider key', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_SINGLE)]));
    const gw = await r.gatewayFor(upstream);
    // Odd spacing and key order survive: the gateway forwards the client's bytes.
    const raw = '{ "stream" : true, "stream_options": {"include_usage" :true},\n  "model":"gpt-4o", "messages":[{"role":"user","content":"héllo"}], "temperature": 0.30 }';
    const res = await send(gw.url, { body: raw, headers: { authorization: 'Bearer client-key-not-for-upstream' } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
    const got = upstream.requests[0]!;
    assert.equal(got.url, '/v1/chat/completions');
    assert.equal(got.raw.toString('utf8'), raw);
    // A stream without stream_options: the same bytes, with the request for usage spliced in.
    const bare = raw.replace(' "stream_options": {"include_usage" :true},', '');
    assert.equal((await send(gw.url, { body: bare })).status, 200);
    assert.equal(upstream.requests[1]?.raw.toString('utf8'), `{"stream_options":{"include_usage":true},${bare.slice(1)}`);
    assert.equal(got.headers.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.ok(!JSON.stringify(got.headers).includes('client-key-not-for-upstream'));
  });

  it('serves /chat/completions too, and a baseurl without /v1', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gatewayFor(upstream, { provider: { baseurl: upstream.url } });
    const res = await send(gw.url, { path: '/chat/completions', body: JSON.stringify(chat('gpt-4o')) });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.url, '/v1/chat/completions');
    assert.equal((await gw.exchange()).path, '/chat/completions');
  });

  it('routes provider/model and sends the provider model id upstream', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gatewayFor(upstream);
    const res = await postChat(gw.url, chat('openai/gpt-4o'));
    assert.equal(res.status, 200);
    assert.equal((upstream.requests[0]?.body as { model: string }).model, 'gpt-4o');
    const e = await gw.exchange();
    assert.equal(e.model, 'gpt-4o');
    assert.equal((e.requestBody as { model: string }).model, 'gpt-4o');
  });
});

describe('passthrough: non-streaming', () => {
  const r = useResources();

  it('deepseek-tool-call.json: the client gets the upstream bytes; the exchange has the body, tool call and usage', async () => {
    const bytes = readFixture('openai-chat', 'deepseek-tool-call.json');
    const upstream = await r.upstream(jsonResponder(bytes, 200, { 'x-ratelimit-remaining-requests': '42', 'x-request-id': 'req_up_1', 'set-cookie': 'upstream=1' }));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'] });
    const res = await postChat(gw.url, chat('deepseek-reasoner'));
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(bytes));
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['content-length'], String(bytes.length));
    assert.equal(res.headers['x-ratelimit-remaining-requests'], '42');
    assert.equal(res.headers['x-upstream-request-id'], 'req_up_1');
    assert.equal(res.headers['set-cookie'], undefined);
    const e = await gw.exchange();
    const parsed = JSON.parse(bytes.toString('utf8'));
    assert.equal(e.streamed, false);
    assert.deepEqual(e.responseBody, parsed);
    assert.deepEqual(e.rawResponses, [parsed]);
    assert.deepEqual(e.toolCalls, [{ id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', kind: 'function', name: 'weather', params: { location: 'San Francisco' }, index: 0 }]);
    assert.deepEqual([e.usage.inputTokens, e.usage.outputTokens, e.usage.totalTokens, e.usage.cachedTokens, e.usage.reasoningTokens], [339, 92, 431, 320, 48]);
    assert.equal(e.status, 200);
  });
});
