import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestSummary } from '@tollgate/plugin-capture';
import { KEYS, api, captureConfig, startCaptureGateway } from './support.js';

async function chat(url: string, text: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.bob}` },
    body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: text }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
}

describe('capture: lifecycle', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-capture-life-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('graceful shutdown writes what is buffered; a restart reads it from the same file', async () => {
    const first = await startCaptureGateway({ dataDir: dir });
    for (let i = 0; i < 10; i++) await chat(first.url, `before shutdown ${i}`);
    // No flush: closing the gateway must write what the writer holds.
    await first.close();
    const second = await startCaptureGateway({ dataDir: dir });
    try {
      const list = await api<{ requests: RequestSummary[] }>(second.url, '/api/requests', KEYS.alice);
      assert.equal(list.body.requests.length, 10);
    } finally {
      await second.close();
    }
  });

  it('a configuration reload keeps capturing, with the writer and its counters carried over', async () => {
    const gw = await startCaptureGateway({ dataDir: dir });
    try {
      await chat(gw.url, 'before reload');
      await gw.gateway.reload(captureConfig({ database: { retention: { duration: '30d' } } }));
      await chat(gw.url, 'after reload');
      const capture = gw.gateway.plugins.find((p) => p.name === 'capture') as typeof gw.capture;
      assert.notEqual(capture, gw.capture, 'a new plugin instance');
      assert.equal(await capture.flush(), true);
      assert.equal(capture.stats()?.writer.written, 2, 'one writer across the reload');
      const list = await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests', KEYS.alice);
      assert.equal(list.body.requests.length, 2);
    } finally {
      await gw.close();
    }
  });
});
