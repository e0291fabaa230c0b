import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureStats, RequestSummary } from '@tollgate/plugin-capture';
import { type PostgresCluster, type ProcessHandle, startPostgresCluster, startProcess } from '@tollgate/testing';
import { KEYS, api, captureConfig, startCaptureGateway } from './support.js';

const TOLLGATE = fileURLToPath(new URL('../../../packages/cli/bin/tollgate.js', import.meta.url));

async function chat(url: string, headers: Record<string, string>, text: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: text }], tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }] }),
  });
  await res.text();
  return res.status;
}

/** Polls `check` until it returns true (the capture writer flushes every 200 ms), failing after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('capture on PostgreSQL', function () {
  this.timeout(120_000);
  let pg: PostgresCluster | undefined;
  before(async function () {
    pg = await startPostgresCluster();
    if (pg === undefined) this.skip();
  });
  after(() => pg?.destroy());

  it('two gateway processes on one database both appear in one GET /api/requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-capture-pg-'));
    const gateways: ProcessHandle[] = [];
    try {
      const config = join(dir, 'tollgate.jsonc');
      // The built-in default's mock and loopback admin, plus the shared database (from the environment).
      writeFileSync(
        config,
        JSON.stringify({
          providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
          grants: [{ src: ['(loopback)'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }, { models: '**' }] } }],
          database: { url: 'env:TOLLGATE_TEST_DATABASE_URL' },
        }),
      );
      const urls: string[] = [];
      for (const name of ['a', 'b']) {
        const gw = startProcess('node', [TOLLGATE, 'start', '--config', config, '--port', '0', '--data-dir', join(dir, name)], { env: { TOLLGATE_TEST_DATABASE_URL: pg?.url } });
        gateways.push(gw);
        const [, url] = await gw.waitFor(/tollgate listening on (http:\/\/\S+)/, 'stderr', { timeoutMs: 60_000 });
        urls.push(url as string);
      }
      const [a, b] = urls as [string, string];
      assert.equal(await chat(a, { 'x-session-id': 'via-a' }, 'ls /a'), 200);
      assert.equal(await chat(b, { 'x-session-id': 'via-b' }, 'ls /b'), 200);
      let seen: RequestSummary[] = [];
      await eventually(async () => {
        seen = (await api<{ requests: RequestSummary[] }>(a, '/api/requests', undefined)).body.requests ?? [];
        return seen.length === 2;
      }, 'both records');
      assert.deepEqual(seen.map((r) => r.session_id).sort(), ['via-a', 'via-b']);
      const fromB = (await api<{ requests: RequestSummary[] }>(b, '/api/requests', undefined)).body.requests;
      assert.deepEqual(fromB.map((r) => r.id).sort(), seen.map((r) => r.id).sort(), 'both gateways read the same history');
      const stats = await api<CaptureStats>(a, '/api/capture', undefined);
      assert.equal(stats.body.store.dialect, 'postgres');
      assert.ok(!stats.body.store.location.includes('@127.0.0.1') || !/:[^:@/]+@/.test(stats.body.store.location), 'no password in the location');
    } finally {
      for (const gw of gateways) await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses no record while PostgreSQL is stopped mid-load, and answers every client meanwhile', async () => {
    const gw = await startCaptureGateway({ config: captureConfig({ database: { url: pg?.url } }) });
    try {
      const headers = { authorization: `Bearer ${KEYS.bob}` };
      for (let i = 0; i < 20; i++) assert.equal(await chat(gw.url, headers, `before ${i}`), 200);
      await (pg as PostgresCluster).stop();
      for (let i = 0; i < 30; i++) assert.equal(await chat(gw.url, headers, `during ${i}`), 200, 'clients are answered while the store is down');
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 503, 'not ready while the store is unreachable');
      await ready.text();
      await eventually(async () => gw.capture.stats()?.writer.healthy === false || gw.capture.stats()?.writer.buffered === 0, 'a failed write or an empty buffer');
      await (pg as PostgresCluster).start();
      assert.equal(await gw.capture.flush(20_000), true);
      const stats = gw.capture.stats() as CaptureStats;
      assert.equal(stats.writer.dropped, 0);
      assert.equal(stats.writer.written, 50);
      const list = await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests?limit=500&user=bob@example.com', KEYS.alice);
      assert.equal(list.body.requests.length, 50);
      assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    } finally {
      await gw.close();
      if (pg !== undefined) await pg.start().catch(() => undefined);
    }
  });

  it('beyond the buffer bound, drops are counted, logged and shown, and the rest is written', async () => {
    const gw = await startCaptureGateway({ config: captureConfig({ database: { url: pg?.url } }), captureOptions: { max_buffered_records: 5 } });
    try {
      const headers = { authorization: `Bearer ${KEYS.carol}` };
      assert.equal(await chat(gw.url, headers, 'warm up'), 200);
      assert.equal(await gw.capture.flush(), true);
      await (pg as PostgresCluster).stop();
      for (let i = 0; i < 12; i++) assert.equal(await chat(gw.url, headers, `overflow ${i}`), 200);
      await (pg as PostgresCluster).start();
      assert.equal(await gw.capture.flush(20_000), true);
      const stats = await api<CaptureStats>(gw.url, '/api/capture', KEYS.alice);
      assert.equal(stats.body.writer.droppedBy.overflow, 7);
      assert.equal(stats.body.writer.written, 6);
      assert.ok(gw.logs.lines.some((l) => l.msg === 'batch writer dropped records'), 'the drop is logged');
      const list = await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests?limit=500&user=carol@example.com', KEYS.alice);
      assert.equal(list.body.requests.length, 6);
    } finally {
      await gw.close();
    }
  });
});
