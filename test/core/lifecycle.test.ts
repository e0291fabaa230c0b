import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type TollgatePlugin, createGateway, definePlugin } from '@tollgate/core';
import { LogCapture, jsonResponder, sseResponder } from '@tollgate/testing';
import { BIN_PARALLEL, BIN_SINGLE, PROVIDER_KEY, chat, deferred, fixtureFrames, fixtureWire, openStream, postChat, send, steppedResponder, useResources } from './helpers.js';

const completion = (content: string) => ({ id: `chatcmpl-${content}`, object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });

describe('gateway.close()', () => {
  const r = useResources();

  it('drains an in-flight stream: the client gets all of it, new connections are refused, then close resolves', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const release = deferred();
    const stepped = steppedResponder(frames, { 3: release.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream);
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await stream.until((t) => t === frames.slice(0, 3).join(''));
    let closed = false;
    const closing = gw.gateway.close().then(() => {
      closed = true;
    });
    // Once closing, the server accepts no new connection.
    await assert.rejects(send(gw.url, { method: 'GET', path: '/healthz' }), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    assert.equal(closed, false, 'close waits for the stream in flight');
    release.resolve();
    assert.equal(await stream.done(), frames.join(''));
    await closing;
    assert.equal(closed, true);
    const e = await gw.exchange();
    assert.equal(e.aborted, false);
    assert.ok(gw.logs.withMessage('tollgate stopped').length === 1);
  });

  it('a failed listen (port in use) can be retried, and close still works', async () => {
    const first = await r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } } });
    const port = Number(new URL(first.url).port);
    const second = await createGateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [], dataDir: join(tmpdir(), 'tollgate-listen-retry'), logDestination: new LogCapture().stream });
    r.add(() => second.close());
    await assert.rejects(second.listen({ host: '127.0.0.1', port }), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    const address = await second.listen({ host: '127.0.0.1', port: 0 });
    assert.notEqual(address.port, port);
    assert.equal((await send(second.url, { method: 'GET', path: '/healthz' })).status, 200);
  });

  it('runs close taps once, after the drain, and is idempotent', async () => {
    const events: string[] = [];
    const plugin: TollgatePlugin = {
      name: 'lifecycle',
      apply: (h) => {
        h.hooks.ready.tapPromise('lifecycle', async () => void events.push('ready'));
        h.hooks.close.tapPromise('lifecycle', async () => void events.push('close'));
      },
    };
    const gw = await r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [plugin] });
    assert.deepEqual(events, ['ready']);
    await Promise.all([gw.gateway.close(), gw.gateway.close()]);
    assert.deepEqual(events, ['ready', 'close']);
  });

  it('a plugin failing in ready stops start-up with TG_ERR_PLUGIN', async () => {
    const failing: TollgatePlugin = {
      name: 'bad-ready',
      apply: (h) =>
        h.hooks.ready.tapPromise('bad-ready', async () => {
          throw new Error('cannot open spool');
        }),
    };
    await assert.rejects(
      createGateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['m'] } } }, plugins: [failing], dataDir: join(tmpdir(), 'tollgate-bad-ready'), logDestination: new LogCapture().stream }),
      (err: unknown) => err instanceof Error && (err as { code?: string }).code === 'TG_ERR_PLUGIN' && /bad-ready/.test(err.message),
    );
  });
});

describe('reload', () => {
  const r = useResources();

  it('swaps the configuration atomically: a new model becomes routable, a removed one is gone', async () => {
    const upstream = await r.upstream(jsonResponder(completion('hi')));
    const gw = await r.gatewayFor(upstream, { models: ['old-model'] });
    assert.equal((await postChat(gw.url, chat('new-model'))).status, 404);
    const result = await gw.gateway.reload({ providers: { openai: { baseurl: `${upstream.url}/v1`, apikey: PROVIDER_KEY, models: ['new-model'] } }, unknown_section: true });
    assert.deepEqual(result.warnings.map((w) => w.path), ['config/unknown_section']);
    assert.equal((await postChat(gw.url, chat('new-model'))).status, 200);
    assert.equal((await postChat(gw.url, chat('old-model'))).status, 404);
    const models = (await send(gw.url, { method: 'GET', path: '/v1/models' })).json().data.map((m: { id: string }) => m.id);
    assert.deepEqual(models, ['new-model']);
    // Exchanges are recorded across the reload.
    assert.equal((await gw.exchange(3)).model, 'old-model');
  });

  it('a request in flight keeps its snapshot: provider, key, plugins', async () => {
    const release = deferred();
    const frames = fixtureFrames(BIN_PARALLEL);
    const oldStepped = steppedResponder(frames, { 1: release.promise });
    const oldUpstream = await r.upstream(oldStepped.responder);
    const newUpstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const seen: string[] = [];
    let generation = 0;
    // A definition makes a fresh instance per runtime: the tag says which runtime decided a call.
    const tagger = definePlugin({
      name: 'tagger',
      create: () => {
        const gen = ++generation;
        return { name: 'tagger', apply: (h) => h.hooks.onToolCall.tap('tagger', (c) => void seen.push(`runtime ${gen}: ${c.call.name}`)) };
      },
    });
    const gw = await r.gateway({
      config: { providers: { openai: { baseurl: `${oldUpstream.url}/v1`, apikey: 'sk-old-key-000001', models: ['gpt-4o'] } } },
      plugins: [tagger],
    });
    const inFlight = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await inFlight.until((t) => t.length > 0);
    const runtimeBefore = gw.gateway.runtime;
    await gw.gateway.reload({ providers: { openai: { baseurl: `${newUpstream.url}/v1`, apikey: 'sk-new-key-000002', models: ['gpt-4o'] } } });
    assert.notEqual(gw.gateway.runtime, runtimeBefore);
    // A new request goes to the new provider with the new key...
    const fresh = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.ok(fresh.body.equals(fixtureWire(BIN_PARALLEL)));
    assert.equal(newUpstream.requests[0]?.headers.authorization, 'Bearer sk-new-key-000002');
    // ...while the old one still streams from the old provider, whose pool is still open.
    release.resolve();
    assert.equal(await inFlight.done(), frames.join(''));
    assert.equal(oldUpstream.requests.length, 1);
    assert.equal(oldUpstream.requests[0]?.headers.authorization, 'Bearer sk-old-key-000001');
    const exchanges = await Promise.all([gw.exchange(1), gw.exchange(2)]);
    assert.deepEqual(exchanges.map((e) => e.toolCalls.length), [2, 2]);
    assert.deepEqual(seen, [
      'runtime 2: GetWeatherArgs',
      'runtime 2: get_stock_price',
      'runtime 1: GetWeatherArgs',
      'runtime 1: get_stock_price',
    ]);
  });

  it('an invalid configuration is rejected with every error and the old one keeps serving', async () => {
    const upstream = await r.upstream(jsonResponder(completion('still here')));
    const gw = await r.gatewayFor(upstream, { models: ['gpt-4o'] });
    const before = gw.gateway.runtime;
    await assert.rejects(gw.gateway.reload({ providers: { openai: { baseurl: 'ftp://nope', models: 'gpt-4o' } }, limits: { drain_timeout: 'soon' } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.filter((i) => i.severity === 'error').map((i) => i.path).sort(), ['config/limits/drain_timeout', 'config/providers/openai/baseurl', 'config/providers/openai/models']);
      return true;
    });
    assert.equal(gw.gateway.runtime, before);
    const res = await postChat(gw.url, chat('gpt-4o'));
    assert.equal(res.status, 200);
    assert.equal(res.json().choices[0].message.content, 'still here');
  });

  it('a plugin that fails to start on reload is rejected too, the old runtime keeps serving', async () => {
    const upstream = await r.upstream(jsonResponder(completion('ok')));
    let failing = false;
    const flaky: TollgatePlugin = {
      name: 'flaky',
      apply: () => {
        if (failing) throw new Error('cannot apply');
      },
    };
    const gw = await r.gatewayFor(upstream, { plugins: [flaky] });
    failing = true;
    await assert.rejects(gw.gateway.reload({ providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } } }), (err: unknown) => (err as { code?: string }).code === 'TG_ERR_PLUGIN');
    assert.equal((await postChat(gw.url, chat('gpt-4o'))).status, 200);
  });

  it('reloads a config file: reload() re-reads the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-reload-'));
    r.add(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'tollgate.jsonc');
    const upstream = await r.upstream(jsonResponder(completion('from file')));
    const write = (models: string[]) => writeFileSync(file, `{\n  // test config\n  "providers": { "p": { "baseurl": "${upstream.url}", "models": ${JSON.stringify(models)}, }, },\n  "plugins": [],\n}\n`);
    write(['first']);
    const gw = await r.gateway({ config: file });
    assert.equal((await postChat(gw.url, chat('second'))).status, 404);
    write(['second']);
    await gw.gateway.reload();
    assert.equal((await postChat(gw.url, chat('second'))).status, 200);
    writeFileSync(file, '{ "providers": { ');
    await assert.rejects(gw.gateway.reload(), ConfigError);
    assert.equal((await postChat(gw.url, chat('second'))).status, 200);
  });
});
