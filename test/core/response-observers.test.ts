import assert from 'node:assert/strict';
import { type Exchange, type ObserverTapOptions, type ResponseParts, STAGE_OBSERVE, type TollgatePlugin, createStateKey } from '@tollgate/core';
import { jsonResponder, readChunks, readFixture, sseResponder } from '@tollgate/testing';
import { BIN_SINGLE, chat, fixtureWire, postChat, useResources } from './helpers.js';

const TEXT_FIXTURE = 'openai-text.chunks.txt';

/** An `onResponse` observer recording exchanges, tapped with the given options. */
function observer(name: string, options: ObserverTapOptions, seen: Exchange[]): TollgatePlugin {
  return { name, apply: (h) => h.hooks.onResponse.tap({ name, stage: STAGE_OBSERVE, ...options }, (e) => void seen.push(e)) };
}

/** An `onRequest` tap asking for `parts` of every response (nothing when `undefined`). */
function keeper(parts: ResponseParts | 'default'): TollgatePlugin {
  return { name: 'keeper', apply: (h) => h.hooks.onRequest.tap('keeper', (ctx) => void (parts === 'default' ? ctx.keepResponse() : ctx.keepResponse(parts))) };
}

async function until(seen: Exchange[], n = 1): Promise<void> {
  for (let i = 0; i < 500 && seen.length < n; i++) await new Promise((ok) => setTimeout(ok, 10));
  assert.equal(seen.length, n, 'observer saw the exchange');
}

/** The text of the streamed fixture, as its deltas spell it. */
function fixtureText(): string {
  return (readChunks('openai-chat', TEXT_FIXTURE) as Array<{ choices?: Array<{ delta?: { content?: string } }> }>).map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
}

function messageOf(e: Exchange): { content?: string | null; tool_calls?: Array<{ function: { name: string } }> } {
  return (e.responseBody as { choices: Array<{ message: { content?: string | null; tool_calls?: Array<{ function: { name: string } }> } }> }).choices[0]!.message;
}

describe('onResponse observers that declare what they read', () => {
  const r = useResources();

  async function streamThrough(file: string, plugins: TollgatePlugin[]): Promise<Buffer> {
    const wire = fixtureWire(file);
    const upstream = await r.upstream(sseResponder([wire]));
    const gw = await r.gateway({ config: { providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } } }, plugins, recordExchanges: false });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(wire), 'the client gets the upstream bytes whatever observers keep');
    return wire;
  }

  it('a declared observer nobody asked anything for gets no raw events; tool calls and usage stay exact', async () => {
    const seen: Exchange[] = [];
    await streamThrough(BIN_SINGLE, [observer('lean', { response: 'declared' }, seen)]);
    await until(seen);
    const e = seen[0]!;
    assert.deepEqual(e.rawResponses, []);
    assert.deepEqual(
      e.toolCalls.map((c) => [c.name, c.params]),
      [['GetWeatherArgs', { city: 'Edinburgh', country: 'UK', units: 'c' }]],
    );
    assert.deepEqual([e.usage.inputTokens, e.usage.outputTokens, e.usage.totalTokens], [76, 24, 100]);
    assert.equal(messageOf(e).tool_calls?.[0]?.function.name, 'GetWeatherArgs');
  });

  it('keepResponse({ rawResponses }) keeps every data object; keepResponse({ body }) the whole text', async () => {
    const chunks = readChunks('openai-chat', TEXT_FIXTURE);
    const raw: Exchange[] = [];
    await streamThrough(TEXT_FIXTURE, [keeper({ rawResponses: true }), observer('raw', { response: 'declared' }, raw)]);
    await until(raw);
    assert.deepEqual(raw[0]!.rawResponses, chunks);

    const body: Exchange[] = [];
    await streamThrough(TEXT_FIXTURE, [keeper({ body: true }), observer('body', { response: 'declared' }, body)]);
    await until(body);
    assert.ok(fixtureText().length > 100);
    assert.equal(messageOf(body[0]!).content, fixtureText());
    assert.deepEqual(body[0]!.rawResponses, []);

    const both: Exchange[] = [];
    await streamThrough(TEXT_FIXTURE, [keeper('default'), observer('both', { response: 'declared' }, both)]);
    await until(both);
    assert.deepEqual(both[0]!.rawResponses, chunks);
    assert.equal(messageOf(both[0]!).content, fixtureText());
  });

  it('one observer that does not declare keeps everything for all of them', async () => {
    const lean: Exchange[] = [];
    const all: Exchange[] = [];
    await streamThrough(TEXT_FIXTURE, [observer('lean', { response: 'declared' }, lean), observer('all', {}, all)]);
    await until(lean);
    await until(all);
    assert.deepEqual(lean[0]!.rawResponses, readChunks('openai-chat', TEXT_FIXTURE));
    assert.equal(messageOf(lean[0]!).content, fixtureText());
    assert.equal(lean[0], all[0], 'observers share one exchange');
  });

  it('an observer tapped late (in ready) still gets everything', async () => {
    const seen: Exchange[] = [];
    const late: TollgatePlugin = {
      name: 'late',
      apply: (h) => h.hooks.ready.tap('late', () => h.hooks.onResponse.tap({ name: 'late', stage: STAGE_OBSERVE }, (e) => void seen.push(e))),
    };
    await streamThrough(TEXT_FIXTURE, [late]);
    await until(seen);
    assert.deepEqual(seen[0]!.rawResponses, readChunks('openai-chat', TEXT_FIXTURE));
    assert.equal(messageOf(seen[0]!).content, fixtureText());
  });

  it('a plain (non-streamed) response is always whole: it is parsed anyway', async () => {
    const answer = JSON.parse(readFixture('openai-chat', 'deepseek-tool-call.json').toString('utf8')) as unknown;
    const upstream = await r.upstream(jsonResponder(answer));
    const seen: Exchange[] = [];
    const gw = await r.gateway({ config: { providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } } }, plugins: [observer('lean', { response: 'declared' }, seen)], recordExchanges: false });
    assert.equal((await postChat(gw.url, chat('gpt-4o'))).status, 200);
    await until(seen);
    assert.deepEqual(seen[0]!.responseBody, answer);
    assert.deepEqual(seen[0]!.rawResponses, [answer]);
  });
});

describe('settle', () => {
  const r = useResources();

  it('runs after the response and before observers, which read what it put in the exchange state; a failing settle tap does not stop them', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }));
    const order: string[] = [];
    const seen: Exchange[] = [];
    const key = createStateKey<number>('test.settled');
    const accountant: TollgatePlugin = {
      name: 'accountant',
      apply: (h) => {
        h.hooks.settle.tapPromise('broken', async () => {
          order.push('broken');
          throw new Error('store down');
        });
        h.hooks.settle.tapPromise('accountant', async (e) => {
          await new Promise((ok) => setTimeout(ok, 20));
          order.push('settle');
          e.state.set(key, 42);
        });
        h.hooks.onResponse.tap({ name: 'reader', stage: STAGE_OBSERVE }, (e) => {
          order.push('observe');
          seen.push(e);
        });
      },
    };
    const gw = await r.gateway({ config: { providers: { openai: { baseurl: `${upstream.url}/v1`, models: ['gpt-4o'] } } }, plugins: [accountant], recordExchanges: false });
    assert.equal((await postChat(gw.url, chat('gpt-4o'))).status, 200);
    await until(seen);
    assert.deepEqual(order, ['broken', 'settle', 'observe']);
    assert.equal(seen[0]?.state.get(key), 42);
    assert.ok(gw.logs.lines.some((l) => l.plugin === 'broken' && /store down/.test(JSON.stringify(l))), 'the failure is logged with the plugin');
  });
});
