import assert from 'node:assert/strict';
import { type FakeHookReceiver, type FakeUpstream, type TestGateway, hookReply, jsonResponder, startFakeHookReceiver, startFakeUpstream } from '@tollgate/testing';
import { webhookStats } from '@tollgate/plugin-webhook';
import { caps, post, startHookGateway, wiring } from './helpers.js';

const COMPLETION = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };

describe('pre_request hooks', () => {
  let receiver: FakeHookReceiver;
  let upstream: FakeUpstream;
  const gateways: TestGateway[] = [];

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    upstream = await startFakeUpstream(jsonResponder(COMPLETION));
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.close();
    await receiver.close();
    await upstream.close();
  });

  /** A gateway whose provider is the fake upstream, with these hooks all wired to pre_request. */
  async function gateway(hooks: Record<string, Record<string, unknown>>, send: string[] = ['request_body', 'user_message']): Promise<TestGateway> {
    const full: Record<string, unknown> = {};
    for (const [name, h] of Object.entries(hooks)) full[name] = { url: receiver.urlFor(`/${name}`), ...h };
    const gw = await startHookGateway({
      hooks: full,
      caps: caps(Object.keys(hooks).map((name) => wiring(name, ['pre_request'], send))),
      config: {
        providers: {
          up: { baseurl: upstream.url, models: ['gpt-test'], apikey: 'sk-upstream-key', compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true } },
        },
      },
    });
    gateways.push(gw);
    return gw;
  }

  const ask = (gw: TestGateway, content = 'hello'): ReturnType<typeof post> => post(`${gw.url}/v1/chat/completions`, { model: 'gpt-test', messages: [{ role: 'user', content }] });

  it('runs the chain by preference, high to low, then by name', async () => {
    const gw = await gateway({ alpha: {}, bravo: { preference: 10 }, charlie: { preference: 10 }, delta: { preference: -5 }, 'Zulu': { preference: 0 } });
    const res = await ask(gw);
    assert.equal(res.status, 200);
    assert.deepEqual(
      receiver.deliveries.map((d) => d.path),
      ['/bravo', '/charlie', '/Zulu', '/alpha', '/delta'],
    );
    assert.equal(upstream.requests.length, 1);
    assert.deepEqual(webhookStats(gw.gateway.runtime)?.alpha?.preRequest, { allowed: 1, blocked: 0, modified: 0, failedOpen: 0, failedClosed: 0 });
  });

  it('allow forwards the request unchanged', async () => {
    const gw = await gateway({ guard: {} });
    receiver.reply(hookReply.allow());
    const res = await ask(gw, 'keep me');
    assert.equal(res.status, 200);
    assert.deepEqual(upstream.requests[0]?.body, { model: 'gpt-test', messages: [{ role: 'user', content: 'keep me' }] });
  });

  it('modify replaces the whole body; the next hook and the provider see the new body', async () => {
    const gw = await gateway({ first: { preference: 2 }, second: { preference: 1 } });
    const replaced = { model: 'gpt-test', messages: [{ role: 'user', content: '[redacted]' }], temperature: 0 };
    receiver.reply(hookReply.modify(replaced), '/first');
    receiver.reply(hookReply.allow(), '/second');
    const res = await ask(gw, 'my password is hunter2');
    assert.equal(res.status, 200);
    const [first, second] = receiver.deliveries;
    assert.equal((first?.body as { user_message: string }).user_message, 'my password is hunter2');
    assert.deepEqual((second?.body as { request_body: unknown }).request_body, replaced);
    assert.equal((second?.body as { user_message: string }).user_message, '[redacted]');
    assert.deepEqual(upstream.requests[0]?.body, replaced);
    assert.equal(webhookStats(gw.gateway.runtime)?.first?.preRequest.modified, 1);
  });

  it('modify without an object request_body counts as allow', async () => {
    const gw = await gateway({ guard: {} });
    receiver.reply(hookReply.json({ action: 'modify', request_body: ['not', 'an', 'object'] }));
    const res = await ask(gw, 'unchanged');
    assert.equal(res.status, 200);
    assert.deepEqual(upstream.requests[0]?.body, { model: 'gpt-test', messages: [{ role: 'user', content: 'unchanged' }] });
    assert.equal(webhookStats(gw.gateway.runtime)?.guard?.preRequest.allowed, 1);
  });

  it('block after a modify refuses with the hook\'s status and message, forwards nothing and runs no later hook', async () => {
    const gw = await gateway({ a: { preference: 3 }, b: { preference: 2 }, c: { preference: 1 } });
    receiver.reply(hookReply.modify({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] }), '/a');
    receiver.reply(hookReply.block(451, 'not on my watch'), '/b');
    const res = await ask(gw);
    assert.equal(res.status, 451);
    assert.equal(res.body.error.message, 'not on my watch');
    assert.equal(res.body.error.type, 'guardrail_blocked');
    assert.equal(upstream.requests.length, 0);
    assert.deepEqual(receiver.deliveries.map((d) => d.path), ['/a', '/b']);
  });

  it('block without status_code or message uses 403 and "request blocked by guardrail"; a status outside 400-599 is 403', async () => {
    const gw = await gateway({ guard: {} });
    receiver.replyNext([hookReply.block(), hookReply.block(200, 'odd status')]);
    const res = await ask(gw);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.message, 'request blocked by guardrail');
    const res2 = await ask(gw);
    assert.equal(res2.status, 403);
    assert.equal(res2.body.error.message, 'odd status');
  });

  it('answers a block in the client\'s API format', async () => {
    const gw = await gateway({ guard: {} });
    receiver.reply(hookReply.block(409, 'blocked for you'));
    const anthropic = await post(`${gw.url}/v1/messages`, { model: 'gpt-test', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(anthropic.status, 409);
    assert.deepEqual(anthropic.body, { type: 'error', error: { type: 'invalid_request_error', message: 'blocked for you' } });
    const gemini = await post(`${gw.url}/v1beta/models/gpt-test:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(gemini.status, 409);
    assert.equal(gemini.body.error.code, 409);
    assert.equal(gemini.body.error.message, 'blocked for you');
    assert.equal(gemini.body.error.status, 'PERMISSION_DENIED');
    const responses = await post(`${gw.url}/v1/responses`, { model: 'gpt-test', input: 'hi' });
    assert.equal(responses.status, 409);
    assert.equal(responses.body.error.message, 'blocked for you');
    assert.equal(responses.body.error.type, 'guardrail_blocked');
    assert.equal(upstream.requests.length, 0);
  });

  const failures: Array<[string, (r: FakeHookReceiver) => Promise<void> | void]> = [
    ['a 500 answer', (r) => r.reply(hookReply.status(500))],
    ['a 404 answer', (r) => r.reply(hookReply.status(404))],
    ['a reply that is not JSON', (r) => r.reply(hookReply.garbage())],
    ['an empty 200 reply', (r) => r.reply(hookReply.ok())],
    ['a reply with an unknown action', (r) => r.reply(hookReply.json({ action: 'maybe' }))],
    ['a connection reset', (r) => r.reply(hookReply.reset())],
    ['a receiver that is down', (r) => r.down()],
    ['a timeout', (r) => r.reply(hookReply.hang())],
  ];

  for (const [what, breakIt] of failures) {
    it(`fail_open skips the hook on ${what}; fail_closed answers 503 and runs no later hook`, async () => {
      const gw = await gateway({ open: { preference: 3, timeout: '200ms' }, closed: { preference: 2, timeout: '200ms', fail_policy: 'fail_closed' }, later: { preference: 1 } });
      await breakIt(receiver);
      const res = await ask(gw);
      assert.equal(res.status, 503);
      assert.match(res.body.error.message, /guardrail hook "closed"/);
      assert.equal(upstream.requests.length, 0);
      if (receiver.isUp) assert.deepEqual(receiver.deliveries.map((d) => d.path), ['/open', '/closed']);
      const stats = webhookStats(gw.gateway.runtime)!;
      assert.equal(stats.open?.preRequest.failedOpen, 1);
      assert.equal(stats.closed?.preRequest.failedClosed, 1);
      assert.equal(stats.later?.preRequest.allowed, 0);
      assert.equal(stats.closed?.failed, 1);
      assert.ok(stats.closed?.lastError?.message);
      assert.ok(gw.logs.withMessage('pre_request hook failed; skipped (fail_open)').length === 1);
    });
  }

  it('fail_open lets the request through when every hook fails', async () => {
    const gw = await gateway({ one: {}, two: {} });
    receiver.reply(hookReply.status(502));
    const res = await ask(gw);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
    assert.deepEqual(receiver.deliveries.map((d) => d.path), ['/one', '/two']);
  });

  it('waits for a slow hook within its timeout and uses its answer', async () => {
    const gw = await gateway({ slow: { timeout: '5s' } });
    receiver.reply(hookReply.delay(300, hookReply.block(418, 'slow but sure')));
    const res = await ask(gw);
    assert.equal(res.status, 418);
  });

  it('skips disabled hooks and hooks the config does not define', async () => {
    const gw = await startHookGateway({
      hooks: { off: { url: receiver.urlFor('/off'), disabled: true }, on: { url: receiver.urlFor('/on') } },
      caps: caps([wiring('off', ['pre_request']), wiring('ghost', ['pre_request']), wiring('on', ['pre_request'])]),
    });
    gateways.push(gw);
    const res = await post(`${gw.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 200);
    assert.deepEqual(receiver.deliveries.map((d) => d.path), ['/on']);
  });
});
