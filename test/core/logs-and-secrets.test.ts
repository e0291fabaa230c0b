import assert from 'node:assert/strict';
import { STAGE_AUTHENTICATE, type TollgatePlugin } from '@tollgate/core';
import { jsonResponder, readFixture, sseResponder } from '@tollgate/testing';
import { BIN_PARALLEL, PROVIDER_KEY, chat, deferred, fixtureWire, postChat, send, useResources } from './helpers.js';

const CLIENT_KEY = 'tg-client-key-for-logs-3e8f';

describe('access log', () => {
  const r = useResources();

  it('writes one line per request with status, model, provider, identity, duration and tool-call count', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream);
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    await gw.exchange();
    const lines = gw.logs.access;
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.reqId, res.headers['x-request-id']);
    assert.equal(line.status, 200);
    assert.equal(line.model, 'gpt-4o');
    assert.equal(line.provider, 'openai');
    assert.equal(line.identity, '(loopback)');
    assert.equal(line.path, '/v1/chat/completions');
    assert.equal(line.stream, true);
    assert.equal(line.toolCalls, 2);
    assert.equal(line.inputTokens, 149);
    assert.equal(line.outputTokens, 60);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(typeof line.ttfbMs, 'number');
    assert.equal(line.level, 30);
  });

  it('records refusals, tool-call decisions and errors on the line', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const stripper: TollgatePlugin = { name: 'policy', apply: (h) => h.hooks.onToolCall.tap('policy', (c) => (c.call.name === 'GetWeatherArgs' ? { message: 'no', action: 'strip' } : undefined)) };
    const gw = await r.gatewayFor(upstream, { plugins: [stripper] });
    await postChat(gw.url, chat('gpt-4o', { stream: true }));
    await postChat(gw.url, chat('unknown-model'));
    await gw.exchange(2);
    const [first, second] = gw.logs.access;
    assert.equal(first?.toolCallsStripped, 1);
    assert.equal(first?.toolCalls, 2);
    assert.deepEqual([second?.status, second?.model, second?.provider], [404, 'unknown-model', undefined]);
    assert.match(String(second?.error), /unknown-model/);
  });

  it('is off with logging.access_log false', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const gw = await r.gatewayFor(upstream, { config: { logging: { access_log: false } } });
    await postChat(gw.url, chat('gpt-4o'));
    await gw.exchange();
    assert.deepEqual(gw.logs.access, []);
  });
});

describe('secrets', () => {
  const r = useResources();

  it('never appear in logs, responses or exchanges, and client keys never go upstream (override)', async () => {
    // A plugin that logs far too much: headers, provider config, the raw credential in a message.
    const careless: TollgatePlugin = {
      name: 'careless',
      apply: (h) => {
        h.hooks.identify.tap({ name: 'careless', stage: STAGE_AUTHENTICATE - 1 }, (input) => void h.logger.debug({ headers: input.headers, credential: input.credential }, `identify with ${input.credential}`));
        h.hooks.onRequest.tap('careless', (ctx) => void ctx.log.info({ headers: ctx.headers, provider: ctx.provider, auth: ctx.headers.authorization }, `provider ${JSON.stringify(ctx.provider)}`));
      },
    };
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gateway({
      config: {
        providers: {
          openai: { baseurl: `${upstream.url}/v1`, apikey: 'env:OPENAI_KEY', models: ['gpt-4o'] },
          down: { baseurl: 'http://127.0.0.1:1/v1', apikey: PROVIDER_KEY, models: ['down-model'] },
        },
        identity: { api_keys: { [CLIENT_KEY]: 'alice@example.com' } },
        logging: { level: 'trace' },
      },
      env: { OPENAI_KEY: PROVIDER_KEY },
      plugins: [careless],
    });
    const auth = { authorization: `Bearer ${CLIENT_KEY}`, 'x-api-key': CLIENT_KEY, cookie: `session=${CLIENT_KEY}` };
    const responses = [
      await postChat(gw.url, chat('gpt-4o', { stream: true }), auth),
      await postChat(gw.url, chat('down-model'), auth),
      await postChat(gw.url, chat('nope'), auth),
      await send(gw.url, { method: 'GET', path: '/v1/models', headers: auth }),
    ];
    const exchanges = await Promise.all([1, 2, 3].map((n) => gw.exchange(n)));
    await gw.close();
    const everything = [
      gw.logs.text,
      ...responses.map((res) => res.text + JSON.stringify(res.headers)),
      ...exchanges.map((e) => JSON.stringify({ ...e, adapter: undefined, state: undefined })),
    ].join('\n');
    assert.ok(gw.logs.lines.filter((l) => l.msg?.startsWith('provider {') || l.msg?.startsWith('identify with')).length >= 4, 'the careless plugin logged');
    for (const secret of [PROVIDER_KEY, CLIENT_KEY]) assert.ok(!everything.includes(secret), `${secret} leaked`);
    assert.equal(upstream.requests.length, 1);
    const sent = JSON.stringify(upstream.requests[0]?.headers);
    assert.ok(!sent.includes(CLIENT_KEY), sent);
    assert.equal(upstream.requests[0]?.headers.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.equal(upstream.requests[0]?.headers.cookie, undefined);
  });

  it('an upstream error that echoes the provider key does not pass it on to the client or observers', async () => {
    const echo = JSON.stringify({ error: { message: `Invalid API key: ${PROVIDER_KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } });
    const upstream = await r.upstream(jsonResponder(echo, 401));
    const gw = await r.gatewayFor(upstream);
    for (const stream of [false, true]) {
      const res = await postChat(gw.url, chat('gpt-4o', { stream }));
      assert.equal(res.status, 401);
      assert.ok(!res.text.includes(PROVIDER_KEY), res.text);
      assert.equal(res.json().error.code, 'invalid_api_key');
    }
    const e = await gw.exchange(2);
    assert.ok(!JSON.stringify(e.responseBody).includes(PROVIDER_KEY));
    assert.ok(!JSON.stringify(e.rawResponses).includes(PROVIDER_KEY));
    assert.ok(!JSON.stringify(e.error).includes(PROVIDER_KEY));
    assert.ok(!gw.logs.text.includes(PROVIDER_KEY));
  });

  it('passthrough forwards the client key and not the provider key', async () => {
    const upstream = await r.upstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json')));
    const gw = await r.gatewayFor(upstream, { provider: { auth_mode: 'passthrough' } });
    await postChat(gw.url, chat('gpt-4o'), { authorization: 'Bearer client-own-openai-key' });
    assert.equal(upstream.requests[0]?.headers.authorization, 'Bearer client-own-openai-key');
  });
});

describe('observers', () => {
  const r = useResources();

  it('errors of onResponse taps never reach the client; other observers still get the exchange', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const throwing: TollgatePlugin = {
      name: 'throwing-observer',
      apply: (h) => {
        h.hooks.onResponse.tap('throwing-observer', () => {
          throw new Error('observer exploded');
        });
        h.hooks.onResponse.tapPromise('rejecting-observer', async () => {
          throw new Error('observer rejected');
        });
      },
    };
    const gw = await r.gatewayFor(upstream, { plugins: [throwing] });
    for (const stream of [true, false]) {
      const res = await postChat(gw.url, chat('gpt-4o', { stream }));
      assert.equal(res.status, 200);
      if (stream) assert.ok(res.body.equals(fixtureWire(BIN_PARALLEL)));
      assert.ok(!res.text.includes('observer'));
    }
    await gw.exchange(2);
    const failures = gw.logs.withMessage('observer failed');
    assert.deepEqual(failures.map((l) => l.plugin).sort(), ['rejecting-observer', 'rejecting-observer', 'throwing-observer', 'throwing-observer']);
    assert.ok(failures.every((l) => typeof l.reqId === 'undefined' || typeof l.reqId === 'string'));
  });

  it('a slow observer never delays the client', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const release = deferred();
    const observed = deferred();
    const slow: TollgatePlugin = {
      name: 'slow-observer',
      apply: (h) =>
        h.hooks.onResponse.tapPromise('slow-observer', async () => {
          observed.resolve();
          await release.promise;
        }),
    };
    const gw = await r.gatewayFor(upstream, { plugins: [slow] });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.ok(res.body.equals(fixtureWire(BIN_PARALLEL)), 'the whole response arrived while the observer was still busy');
    await observed.promise;
    release.resolve();
  });
});
