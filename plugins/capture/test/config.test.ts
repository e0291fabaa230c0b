import assert from 'node:assert/strict';
import { ConfigError, TollgateError, createGateway, prepareConfig } from '@tollgate/core';
import { capturePlugin, parseRetentionDuration } from '@tollgate/plugin-capture';
import type { RequestDetail, RequestSummary } from '@tollgate/plugin-capture';
import { LogCapture } from '@tollgate/testing';
import { KEYS, MOCK_PROVIDER, api, captureConfig, startCaptureGateway } from './support.js';

async function issues(database: unknown): Promise<{ severity: string; path: string; message: string }[]> {
  try {
    const prepared = await prepareConfig({ raw: { providers: MOCK_PROVIDER, database }, env: {}, plugins: [capturePlugin] });
    return prepared.warnings.map((w) => ({ severity: w.severity, path: w.path, message: w.message }));
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((w) => ({ severity: w.severity, path: w.path, message: w.message }));
    throw err;
  }
}

describe('capture: the database section', function () {
  this.timeout(30_000);

  it('parses retention durations with days, as Aperture writes them', () => {
    assert.equal(parseRetentionDuration('720h'), 720 * 3_600_000);
    assert.equal(parseRetentionDuration('30d'), 30 * 86_400_000);
    assert.equal(parseRetentionDuration('1d12h'), 36 * 3_600_000);
    assert.equal(parseRetentionDuration('soon'), undefined);
  });

  it('reports bad retention values, and warns about what it does not honour', async () => {
    assert.deepEqual(await issues({ retention: { duration: '30m' } }), [{ severity: 'error', path: 'plugins.capture/database/retention/duration', message: 'must be at least 1h (got "30m")' }]);
    assert.equal((await issues({ retention: { duration: '3651d' } }))[0]?.message, 'must be at most 3650d (got "3651d")');
    assert.match((await issues({ retention: { duration: 'a week' } }))[0]?.message ?? '', /is not a duration/);
    assert.deepEqual((await issues({ retention: { purge: ['tools'] } })).map((i) => i.severity), ['error']);
    assert.deepEqual((await issues({ retention: { purge: ['captures', 'logs'] } })).map((i) => [i.severity, i.path]), [['error', 'plugins.capture/database/retention/purge/1']]);
    const warnings = await issues({ retention: { duration: '30d', require_export: true }, headers: { filterable: [{ name: 'x-request-id' }] }, colour: 'blue' });
    assert.deepEqual(warnings.map((i) => [i.severity, i.path]).sort(), [
      ['warning', 'plugins.capture/database/colour'],
      ['warning', 'plugins.capture/database/headers/filterable'],
      ['warning', 'plugins.capture/database/retention/require_export'],
    ]);
    assert.deepEqual(await issues({ url: '', retention: { duration: '', purge: ['captures', 'tools'] }, save_raws: true, keep_encrypted_blobs: true }), []);
  });

  it('no longer warns that the database section is unsupported', async () => {
    const prepared = await prepareConfig({ raw: { providers: MOCK_PROVIDER, database: { retention: { duration: '90d' } } }, env: {} });
    assert.ok(prepared.plugins.some((p) => p.name === 'capture'), 'capture is a default plugin');
    assert.deepEqual(prepared.warnings.filter((w) => w.path.includes('database')), []);
  });

  it('fails start-up clearly when the store cannot be opened', async () => {
    const logs = new LogCapture();
    await assert.rejects(
      createGateway({ config: { providers: MOCK_PROVIDER, database: { url: 'mysql://db.example/tollgate' } }, plugins: [capturePlugin], logDestination: logs.stream }),
      (err: unknown) => err instanceof TollgateError && /TG_ERR_STORE_URL|postgres/.test(`${(err.cause as TollgateError | undefined)?.code} ${err.message}`),
    );
    await assert.rejects(
      createGateway({ config: { providers: MOCK_PROVIDER, database: { url: 'postgres://nobody@127.0.0.1:1/none' } }, plugins: [capturePlugin], logDestination: logs.stream }),
      (err: unknown) => err instanceof TollgateError && /store/i.test(err.message),
    );
  });
});

describe('capture: what is kept of a request', function () {
  this.timeout(30_000);
  let gw: Awaited<ReturnType<typeof startCaptureGateway>> | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  async function only(g: NonNullable<typeof gw>): Promise<RequestDetail> {
    await g.capture.flush();
    const [row] = (await api<{ requests: RequestSummary[] }>(g.url, '/api/requests', KEYS.alice)).body.requests;
    return (await api<{ request: RequestDetail }>(g.url, `/api/requests/${row?.id}`, KEYS.alice)).body.request;
  }

  it('keeps the raw events of a stream with save_raws', async () => {
    gw = await startCaptureGateway({ config: captureConfig({ database: { save_raws: true } }) });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.bob}` },
      body: JSON.stringify({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
    });
    await res.text();
    const request = await only(gw);
    assert.ok(Array.isArray(request.raw_responses) && request.raw_responses.length > 1, 'every event kept');
    assert.ok(request.usage.output_tokens > 0);
  });

  it('keeps the head of a body over max_body_size', async () => {
    gw = await startCaptureGateway({ captureOptions: { max_body_size: 600 } });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.bob}` },
      body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: `hello ${'x'.repeat(1000)}` }] }),
    });
    await res.text();
    const body = (await only(gw)).request_body as { tollgate_truncated: boolean; size: number; head: string };
    assert.deepEqual(Object.keys(body).sort(), ['head', 'size', 'tollgate_truncated']);
    assert.ok(body.size > 1000);
    assert.ok(body.head.startsWith('{"model":"mock-1"'));
  });

  it('without save_raws keeps no raw events; a provider key never reaches the store', async () => {
    const secret = 'sk-upstream-secret-that-must-not-be-stored';
    gw = await startCaptureGateway({ config: captureConfig({ providers: { mock: { ...MOCK_PROVIDER.mock, apikey: secret } } }) });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.bob}` },
      body: JSON.stringify({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: `my key is ${secret}` }] }),
    });
    await res.text();
    const request = await only(gw);
    assert.equal(request.raw_responses, null);
    assert.ok(!JSON.stringify(request).includes(secret), 'scrubbed from every stored text');
    assert.match(request.user_message ?? '', /my key is \*\*\*/);
  });
});
