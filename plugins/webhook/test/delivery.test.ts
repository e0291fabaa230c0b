import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { Webhook } from 'standardwebhooks';
import { type HookStats, readWebhookSpool, webhookStats } from '@tollgate/plugin-webhook';
import { WEATHER_TOOL, caps, chat, eventually, startHookGateway, wiring } from './helpers.js';

const FAST_RETRY = { delivery: { retry_initial: '20ms', retry_max: '100ms' } };

function stats(gw: TestGateway, hook = 'audit'): HookStats {
  const s = webhookStats(gw.gateway)?.[hook];
  assert.ok(s, `stats of ${hook}`);
  return s;
}

function ids(receiver: FakeHookReceiver, path = '/audit'): string[] {
  return receiver.deliveriesTo(path).map((d) => String(d.headers['webhook-id']));
}

function requestIdOf(d: { body: unknown }): string {
  return (d.body as { metadata: { request_id: string } }).metadata.request_id;
}

function segmentFiles(dir: string): string[] {
  const hookDir = join(dir, 'webhook', 'hooks', 'audit');
  try {
    return readdirSync(hookDir).filter((f) => f.endsWith('.log'));
  } catch {
    return [];
  }
}

describe('post-response delivery', () => {
  let receiver: FakeHookReceiver;
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.close();
    await receiver.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'tollgate-webhook-'));
    dirs.push(d);
    return d;
  }

  async function gateway(hook: Record<string, unknown> = {}, webhook: Record<string, unknown> = FAST_RETRY, dataDir?: string, events = ['entire_request']): Promise<TestGateway> {
    const gw = await startHookGateway({
      hooks: { audit: { url: receiver.urlFor('/audit'), ...hook } },
      caps: caps([wiring('audit', events, ['user_message'])]),
      webhook,
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    gateways.push(gw);
    return gw;
  }

  it('never delays the client: the response is complete while the receiver still holds the delivery', async () => {
    receiver.reply(hookReply.hang());
    const gw = await gateway({ timeout: '0' });
    const res = await chat(gw);
    assert.equal(res.status, 200);
    await receiver.waitFor(1);
    assert.equal(receiver.unanswered, 1);
    assert.equal(stats(gw).inFlight, 1);
  });

  it('retries a 500 with the same delivery id until it is accepted', async () => {
    receiver.replyNext([hookReply.status(500), hookReply.status(503)], '/audit');
    const gw = await gateway();
    const res = await chat(gw);
    await receiver.waitFor(3);
    const deliveries = receiver.deliveriesTo('/audit');
    assert.equal(new Set(ids(receiver)).size, 1);
    assert.match(ids(receiver)[0]!, /^msg_[0-9a-f]{32}$/);
    assert.deepEqual(deliveries.map((d) => d.headers['x-tollgate-attempt']), ['1', '2', '3']);
    assert.deepEqual(deliveries.map((d) => d.raw.toString()), Array(3).fill(deliveries[0]!.raw.toString()));
    assert.equal(requestIdOf(deliveries[0]!), res.headers.get('x-request-id'));
    await eventually(() => stats(gw).sent === 1, 'sent');
    assert.equal(stats(gw).retried, 2);
    assert.equal(stats(gw).failed, 0);
    assert.equal(stats(gw).queueDepth, 0);
    assert.equal(stats(gw).lastError?.status, 503);
  });

  it('honours Retry-After on a 429', async () => {
    receiver.replyNext([hookReply.status(429, 1)], '/audit');
    const gw = await gateway();
    await chat(gw);
    await receiver.waitFor(2);
    const [first, second] = receiver.deliveriesTo('/audit');
    // retry_initial is 20 ms; only the header can make the gap this long.
    assert.ok(second!.receivedAt - first!.receivedAt >= 900, `retried after ${second!.receivedAt - first!.receivedAt} ms`);
    await eventually(() => stats(gw).sent === 1, 'sent');
  });

  it('retries network errors and timeouts', async () => {
    receiver.replyNext([hookReply.reset(), hookReply.hang()], '/audit');
    const gw = await gateway({ timeout: '150ms' });
    await chat(gw);
    await receiver.waitFor(3);
    await eventually(() => stats(gw).sent === 1, 'sent');
    assert.equal(stats(gw).retried, 2);
    assert.match(stats(gw).lastError?.message ?? '', /timed out after 150 ms/);
  });

  for (const status of [400, 401, 404, 410, 422]) {
    it(`does not retry a ${status}; the next event goes out`, async () => {
      receiver.replyNext([hookReply.status(status)], '/audit');
      const gw = await gateway();
      await chat(gw, 'first');
      await eventually(() => stats(gw).failed === 1, 'failed');
      await chat(gw, 'second');
      await receiver.waitFor(2);
      await eventually(() => stats(gw).sent === 1, 'sent');
      const deliveries = receiver.deliveriesTo('/audit');
      assert.deepEqual(deliveries.map((d) => (d.body as { user_message: string }).user_message), ['first', 'second']);
      assert.equal(stats(gw).retried, 0);
      assert.equal(stats(gw).lastError?.status, status);
    });
  }

  it('delivers every event, in order, once a receiver that was down comes back (concurrency 1)', async () => {
    await receiver.down();
    const gw = await gateway({ concurrency: 1 });
    const requestIds: string[] = [];
    for (let i = 0; i < 12; i++) requestIds.push(String((await chat(gw, `event ${i}`)).headers.get('x-request-id')));
    await eventually(() => stats(gw).queueDepth === 12, 'queue depth 12');
    await eventually(() => stats(gw).lastError !== undefined, 'a failed attempt');
    assert.ok(stats(gw).spoolBytes > 0);
    assert.equal(receiver.deliveries.length, 0);
    await receiver.up();
    await eventually(() => stats(gw).sent === 12, 'all sent');
    assert.deepEqual(receiver.deliveriesTo('/audit').map(requestIdOf), requestIds);
    assert.equal(stats(gw).queueDepth, 0);
    assert.equal(stats(gw).failed, 0);
    assert.equal(stats(gw).dropped, 0);
  });

  it('delivers every event exactly once after an outage with the default concurrency, easing back in', async () => {
    await receiver.down();
    const gw = await gateway();
    const requestIds: string[] = [];
    for (let i = 0; i < 80; i++) requestIds.push(String((await chat(gw, `event ${i}`)).headers.get('x-request-id')));
    await eventually(() => stats(gw).queueDepth === 80 && stats(gw).lastError !== undefined, 'backlog');
    let inFlight = 0;
    let most = 0;
    receiver.reply(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return hookReply.ok();
    }, '/audit');
    await receiver.up();
    await eventually(() => stats(gw).sent === 80, 'all sent');
    const delivered = receiver.deliveriesTo('/audit').map(requestIdOf);
    assert.equal(delivered.length, 80);
    assert.deepEqual(new Set(delivered), new Set(requestIds));
    assert.equal(delivered[0], requestIds[0], 'the oldest event goes first, alone');
    assert.ok(most > 8 && most <= 32, `up to the default concurrency of 32 in flight (saw ${most})`);
  });

  it('keeps per-hook order through intermittent failures (concurrency 1)', async () => {
    let n = 0;
    receiver.reply(() => (++n % 3 === 0 ? hookReply.status(502) : hookReply.ok()), '/audit');
    const gw = await gateway({ concurrency: 1 });
    const requestIds: string[] = [];
    for (let i = 0; i < 10; i++) requestIds.push(String((await chat(gw, `e${i}`)).headers.get('x-request-id')));
    await eventually(() => stats(gw).sent === 10, 'all sent');
    const firstArrivals = [...new Map(receiver.deliveriesTo('/audit').map((d) => [requestIdOf(d), d] as const)).keys()];
    assert.deepEqual(firstArrivals, requestIds);
    assert.ok(stats(gw).retried >= 3);
  });

  it('sends both post-response events of one hook, each with its own id', async () => {
    const gw = await gateway({}, FAST_RETRY, undefined, ['entire_request', 'tool_call_entire_request']);
    await chat(gw, 'weather?', { tools: [WEATHER_TOOL] });
    await receiver.waitFor(2);
    const events = receiver.deliveriesTo('/audit').map((d) => d.headers['x-tollgate-event']).sort();
    assert.deepEqual(events, ['entire_request', 'tool_call_entire_request']);
    assert.equal(new Set(ids(receiver)).size, 2);
  });

  it('drops events when the spool is full, counting and logging them, and delivers the rest', async () => {
    await receiver.down();
    const gw = await gateway({}, { ...FAST_RETRY, spool: { max_bytes: '2kb' } });
    const sent: string[] = [];
    for (let i = 0; i < 15; i++) sent.push(String((await chat(gw, `event ${i}`)).headers.get('x-request-id')));
    await eventually(() => stats(gw).queueDepth + stats(gw).dropped === 15, 'all events queued or dropped');
    const { dropped, queueDepth } = stats(gw);
    assert.ok(dropped > 0 && queueDepth > 0, `dropped ${dropped}, kept ${queueDepth}`);
    assert.ok(stats(gw).spoolBytes <= 2048);
    const lines = gw.logs.withMessage('hook event dropped');
    assert.equal(lines.length, 1, 'one log line per interval, however many drops');
    assert.equal(lines[0]?.reason, 'spool full');
    await receiver.up();
    await eventually(() => stats(gw).sent === queueDepth, 'kept events sent');
    // The spool refuses new events when full: what arrives is the oldest events.
    assert.deepEqual(new Set(receiver.deliveriesTo('/audit').map(requestIdOf)), new Set(sent.slice(0, queueDepth)));
    assert.equal(receiver.deliveriesTo('/audit').length, queueDepth);
  });

  it('drops events beyond memory_bytes when the spool is off', async () => {
    await receiver.down();
    const gw = await gateway({}, { ...FAST_RETRY, spool: { enabled: false }, delivery: { ...FAST_RETRY.delivery, memory_bytes: '1kb' } });
    for (let i = 0; i < 10; i++) await chat(gw, `event ${i}`);
    await eventually(() => stats(gw).queueDepth + stats(gw).dropped === 10, 'all events queued or dropped');
    assert.ok(stats(gw).dropped > 0);
    assert.equal(stats(gw).spoolBytes, 0);
    assert.deepEqual(readdirSync(gw.dataDir), []);
    const kept = stats(gw).queueDepth;
    await receiver.up();
    await eventually(() => stats(gw).sent === kept, 'kept events sent');
  });

  it('gives up events older than max_age', async () => {
    await receiver.down();
    const gw = await gateway({}, { delivery: { retry_initial: '20ms', retry_max: '40ms', max_age: '300ms' } });
    await chat(gw);
    await chat(gw);
    await eventually(() => stats(gw).failed === 2, 'two given up');
    assert.equal(stats(gw).queueDepth, 0);
    assert.match(stats(gw).lastError?.message ?? '', /max_age/);
    await receiver.up();
    await chat(gw, 'fresh');
    await receiver.waitFor(1);
    assert.equal((receiver.deliveries[0]?.body as { user_message: string }).user_message, 'fresh');
  });

  it('signs deliveries per Standard Webhooks when signing_secret is set', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    receiver.replyNext([hookReply.status(500)], '/audit');
    const gw = await gateway({ signing_secret: secret });
    await chat(gw, 'sign me');
    await receiver.waitFor(2);
    const verifier = new Webhook(secret);
    for (const d of receiver.deliveriesTo('/audit')) {
      const verified = verifier.verify(d.raw, d.headers as Record<string, string>) as { user_message: string };
      assert.equal(verified.user_message, 'sign me');
      assert.match(String(d.headers['webhook-signature']), /^v1,/);
    }
    const tampered = receiver.deliveries[0]!;
    assert.throws(() => verifier.verify(Buffer.from(tampered.raw.toString().replace('sign me', 'sign you')), tampered.headers as Record<string, string>));
    assert.ok(!gw.logs.text.includes(secret));
  });

  it('sends no signature without signing_secret', async () => {
    const gw = await gateway();
    await chat(gw);
    await receiver.waitFor(1);
    const d = receiver.deliveries[0]!;
    assert.equal(d.headers['webhook-signature'], undefined);
    assert.match(String(d.headers['webhook-timestamp']), /^\d{10}$/);
    assert.equal(d.headers['user-agent']?.startsWith('tollgate/'), true);
  });

  it('flushes the backlog on graceful shutdown and leaves an empty spool', async () => {
    receiver.reply(hookReply.delay(50, hookReply.ok()), '/audit');
    const dir = tempDir();
    const gw = await gateway({}, FAST_RETRY, dir);
    for (let i = 0; i < 5; i++) await chat(gw, `event ${i}`);
    await gw.close();
    gateways.splice(gateways.indexOf(gw), 1);
    assert.equal(receiver.deliveriesTo('/audit').length, 5);
    assert.deepEqual(segmentFiles(dir), []);
    const status = await readWebhookSpool(dir);
    assert.deepEqual(status.processes, []);
  });

  it('keeps what it could not flush and delivers it after a restart, each event once', async () => {
    await receiver.down();
    const dir = tempDir();
    const gw = await gateway({}, { delivery: { ...FAST_RETRY.delivery, flush_timeout: '200ms' } }, dir);
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) sent.push(String((await chat(gw, `event ${i}`)).headers.get('x-request-id')));
    await gw.close();
    gateways.splice(gateways.indexOf(gw), 1);
    const onDisk = await readWebhookSpool(dir);
    assert.equal(onDisk.hooks.find((h) => h.name === 'audit')?.pendingEvents, 6);
    await receiver.up();
    const next = await gateway({}, FAST_RETRY, dir);
    await eventually(() => stats(next).sent >= 6, 'backlog sent');
    assert.deepEqual(receiver.deliveriesTo('/audit').map(requestIdOf).sort(), [...sent].sort());
    assert.equal(next.logs.withMessage('took over undelivered hook events')[0]?.events, 6);
  });

  it('hands the backlog over to the new configuration on reload, without duplicates', async () => {
    await receiver.down();
    const gw = await gateway();
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) sent.push(String((await chat(gw, `before ${i}`)).headers.get('x-request-id')));
    await gw.gateway.reload();
    await eventually(() => gw.logs.withMessage('took over undelivered hook events').length > 0, 'takeover');
    for (let i = 0; i < 2; i++) sent.push(String((await chat(gw, `after ${i}`)).headers.get('x-request-id')));
    await receiver.up();
    await eventually(() => receiver.deliveriesTo('/audit').length >= 6, 'all delivered');
    await eventually(() => stats(gw).queueDepth === 0, 'queue empty');
    assert.deepEqual(receiver.deliveriesTo('/audit').map(requestIdOf).sort(), [...sent].sort());
    assert.equal(stats(gw).sent, 6, 'counters survive the reload');
  });
});
