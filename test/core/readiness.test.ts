import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Gateway, type TollgatePlugin, createGateway } from '@tollgate/core';
import { LogCapture, deferred } from '@tollgate/testing';

const CONFIG = { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } };

describe('readiness: /readyz before and after ready', () => {
  let dir: string;
  let gateway: Gateway | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-ready-'));
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('with deferReady, a slow ready tap keeps /readyz at 503 and other routes at 503 while /healthz is 200', async () => {
    const release = deferred<void>();
    const slow: TollgatePlugin = { name: 'slow', apply: (host) => host.hooks.ready.tapPromise('slow', () => release.promise) };
    gateway = await createGateway({ config: CONFIG, plugins: [slow], dataDir: dir, deferReady: true, logDestination: new LogCapture().stream });
    const { port } = await gateway.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${port}`;
    const starting = gateway.ready();

    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const readyz = await fetch(`${url}/readyz`);
    assert.equal(readyz.status, 503);
    assert.equal(readyz.headers.get('retry-after'), '1');
    assert.deepEqual(((await readyz.json()) as { status: string; reason: string }).reason, 'starting');
    const chat = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(chat.status, 503, 'LLM calls wait for ready');
    assert.deepEqual(((await chat.json()) as { error: { code: string } }).error.code, 'starting');
    assert.equal((await fetch(`${url}/v1/models`)).status, 503);

    release.resolve();
    await starting;
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const ok = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(ok.status, 200);
  });

  it('without deferReady the gateway is ready once created; a failing ready rejects gateway.ready()', async () => {
    gateway = await createGateway({ config: CONFIG, plugins: [], dataDir: dir, logDestination: new LogCapture().stream });
    const { port } = await gateway.listen({ host: '127.0.0.1', port: 0 });
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    await gateway.close();

    const failing: TollgatePlugin = { name: 'failing', apply: (host) => host.hooks.ready.tapPromise('failing', async () => Promise.reject(new Error('cannot open the store'))) };
    gateway = await createGateway({ config: CONFIG, plugins: [failing], dataDir: dir, deferReady: true, logDestination: new LogCapture().stream });
    await assert.rejects(gateway.ready(), (err: Error & { code?: string }) => err.code === 'TG_ERR_PLUGIN' && /cannot open the store/.test(err.message));
  });

  it('/readyz is 503 while a checkHealth component is down, and names no error internals', async () => {
    let up = false;
    let thrown = false;
    const store: TollgatePlugin = {
      name: 'store',
      apply: (host) => {
        host.hooks.checkHealth.tapPromise('store', async (report) => {
          if (thrown) throw new Error('postgres://user:hunter2@db/x refused');
          report.set('capture_store', up, 'unreachable');
        });
      },
    };
    gateway = await createGateway({ config: CONFIG, plugins: [store], dataDir: dir, logDestination: new LogCapture().stream });
    const { port } = await gateway.listen({ host: '127.0.0.1', port: 0 });
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return [res.status, ((await res.json()) as { reason?: string }).reason];
    };
    assert.deepEqual(await readyz(), [503, 'capture_store is down: unreachable']);
    up = true;
    assert.deepEqual(await readyz(), [200, undefined]);
    thrown = true;
    assert.deepEqual(await readyz(), [503, 'the readiness check of plugin "store" failed']);
  });
});
