import assert from 'node:assert/strict';
import type { RequestDetail, RequestSummary } from '@tollgate/plugin-capture';
import { KEYS, api, captureConfig, startCaptureGateway } from './support.js';

type Gateway = Awaited<ReturnType<typeof startCaptureGateway>>;

/** A fake clock the purge reads; the exchanges' own times are real. */
class FakeClock {
  at = Date.now();
  now(): number {
    return this.at;
  }
}

async function chatWithTool(gw: Gateway, text: string): Promise<void> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.bob}` },
    body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: text }], tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }] }),
  });
  await res.text();
}

async function detail(gw: Gateway, id: string): Promise<RequestDetail> {
  const res = await api<{ request: RequestDetail }>(gw.url, `/api/requests/${id}`, KEYS.alice);
  assert.equal(res.status, 200, res.text);
  return res.body.request;
}

/** Requests `old` then `fresh`, strictly later; returns their summaries. */
async function oldAndFresh(gw: Gateway): Promise<{ old: RequestSummary; fresh: RequestSummary }> {
  await chatWithTool(gw, 'ls /old');
  await gw.capture.flush();
  const [old] = (await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests', KEYS.alice)).body.requests;
  assert.ok(old);
  // The second exchange must start at a later millisecond than the first.
  while (Date.now() <= Date.parse(old.time) + 1) await new Promise((r) => setImmediate(r));
  await chatWithTool(gw, 'ls /fresh');
  await gw.capture.flush();
  const [fresh] = (await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests', KEYS.alice)).body.requests;
  assert.ok(fresh && fresh.id !== old.id);
  return { old, fresh };
}

describe('capture: retention', function () {
  this.timeout(60_000);
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('purges the bodies and headers of captures older than the duration, and keeps their metrics and tool calls', async () => {
    const clock = new FakeClock();
    gw = await startCaptureGateway({ clock, config: captureConfig({ database: { retention: { duration: '1h' } } }) });
    const { old, fresh } = await oldAndFresh(gw);
    // Now is one hour after a moment between the two exchanges.
    clock.at = Date.parse(old.time) + 1 + 3_600_000;
    const result = await gw.capture.purge();
    assert.deepEqual([result?.payloads, result?.toolCalls], [1, 0]);
    const purged = await detail(gw, old.id);
    assert.equal(purged.request_body, null);
    assert.equal(purged.response_body, null);
    assert.equal(purged.request_headers, null);
    assert.equal(purged.user_message, null);
    assert.equal(purged.tool_calls.length, 1, 'tool calls are kept with purge ["captures"]');
    assert.ok(purged.usage.input_tokens > 0, 'metrics are kept');
    assert.equal(purged.status, 200);
    const kept = await detail(gw, fresh.id);
    assert.ok(kept.request_body !== null && kept.response_body !== null, 'a newer capture is kept');
    assert.equal((await gw.capture.purge())?.payloads, 0, 'a second purge finds nothing');
    const usage = await api<{ groups: { requests: number }[] }>(gw.url, '/api/usage?group_by=user', KEYS.alice);
    assert.equal(usage.body.groups[0]?.requests, 2, 'usage still counts both');
    const stats = gw.capture.stats();
    assert.equal(stats?.lastPurge?.payloads, 0);
  });

  it('with purge ["captures", "tools"] also deletes the tool calls; the tool-use counts go with them', async () => {
    const clock = new FakeClock();
    gw = await startCaptureGateway({ clock, config: captureConfig({ database: { retention: { duration: '2h', purge: ['captures', 'tools'] } } }) });
    const { old, fresh } = await oldAndFresh(gw);
    clock.at = Date.parse(old.time) + 1 + 2 * 3_600_000;
    const result = await gw.capture.purge();
    assert.deepEqual([result?.payloads, result?.toolCalls], [1, 1]);
    const purged = await detail(gw, old.id);
    assert.deepEqual(purged.tool_calls, []);
    assert.equal(purged.request_body, null);
    assert.ok(purged.usage.output_tokens > 0, 'metrics are kept');
    assert.equal((await detail(gw, fresh.id)).tool_calls.length, 1);
    const toolUse = await api<{ groups: { key: string; total: number }[] }>(gw.url, '/api/tool-use?group_by=tool', KEYS.alice);
    assert.deepEqual(toolUse.body.groups, [{ key: 'bash', total: 1, allow: 1, block: 0, strip: 0 }]);
  });

  it('with duration "0" keeps no bodies at all, only metrics and tool calls', async () => {
    gw = await startCaptureGateway({ config: captureConfig({ database: { retention: { duration: '0' } } }) });
    await chatWithTool(gw, 'ls /nothing-kept');
    await gw.capture.flush();
    const [row] = (await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests', KEYS.alice)).body.requests;
    const request = await detail(gw, row?.id as string);
    assert.equal(request.request_body, null);
    assert.equal(request.response_body, null);
    assert.equal(request.tool_calls.length, 1);
    assert.equal(await gw.capture.purge(), undefined, 'nothing to purge');
  });

  it('with forever ("") never purges', async () => {
    const clock = new FakeClock();
    gw = await startCaptureGateway({ clock });
    await chatWithTool(gw, 'ls /forever');
    await gw.capture.flush();
    clock.at += 3650 * 86_400_000;
    assert.equal(await gw.capture.purge(), undefined);
    const [row] = (await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests', KEYS.alice)).body.requests;
    assert.ok((await detail(gw, row?.id as string)).request_body !== null);
  });
});
