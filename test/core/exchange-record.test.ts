import assert from 'node:assert/strict';
import { type Denial, STAGE_GUARDRAIL, type ToolCallContext, type TollgatePlugin } from '@tollgate/core';
import { jsonResponder, readFixture, sseResponder } from '@tollgate/testing';
import { BIN_SINGLE, chat, fixtureWire, postChat, useResources } from './helpers.js';

function policy(decide: (ctx: ToolCallContext) => Denial | undefined): TollgatePlugin {
  return { name: 'policy', apply: (host) => host.hooks.onToolCall.tap({ name: 'policy', stage: STAGE_GUARDRAIL }, decide) };
}

describe('what the exchange records for observers', () => {
  const r = useResources();

  it('the requested model, the request headers with credentials redacted, and the headers the client got', async () => {
    const upstream = await r.upstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json'), 200, { 'x-ratelimit-remaining-requests': '99' }));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'] });
    const res = await postChat(gw.url, chat('openai/deepseek-reasoner'), { authorization: 'Bearer client-secret-123', cookie: 'session=abc', 'x-trace': 'keep-me' });
    assert.equal(res.status, 200);
    const e = await gw.exchange();
    assert.deepEqual([e.requestedModel, e.model], ['openai/deepseek-reasoner', 'deepseek-reasoner']);
    assert.deepEqual([e.requestHeaders.authorization, e.requestHeaders.cookie, e.requestHeaders['x-trace']], ['***', '***', 'keep-me']);
    assert.ok(!JSON.stringify(e.requestHeaders).includes('client-secret-123'));
    assert.equal(e.responseHeaders['x-ratelimit-remaining-requests'], '99');
    assert.equal(e.responseHeaders['x-request-id'], res.headers['x-request-id']);
    assert.equal(e.clientResponseBody, undefined, 'the client got the provider answer unchanged');
  });

  it('clientResponseBody: the stripped answer (plain and streamed) and the error a blocked call became', async () => {
    const stripWeather = policy((ctx) => (ctx.call.name === 'weather' ? { message: 'no weather', action: 'strip' } : undefined));
    const plain = await r.upstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json')));
    const gw1 = await r.gatewayFor(plain, { models: ['deepseek-reasoner'], plugins: [stripWeather] });
    const res = await postChat(gw1.url, chat('deepseek-reasoner'));
    const e1 = await gw1.exchange();
    assert.deepEqual(e1.clientResponseBody, res.json(), 'what the client got, not what the provider sent');
    assert.ok((e1.responseBody as { choices: Array<{ message: { tool_calls?: unknown[] } }> }).choices[0]?.message.tool_calls?.length === 1);

    const stripAll = policy(() => ({ message: 'no tools today', action: 'strip' }));
    const streamed = await r.upstream(sseResponder([fixtureWire(BIN_SINGLE)]));
    const gw2 = await r.gatewayFor(streamed, { models: ['gpt-4o'], plugins: [stripAll] });
    await postChat(gw2.url, chat('gpt-4o', { stream: true }));
    const e2 = await gw2.exchange();
    const client = e2.clientResponseBody as { choices: Array<{ message: { tool_calls?: unknown; content: string }; finish_reason: string }> };
    assert.equal(client.choices[0]?.message.tool_calls, undefined);
    assert.match(client.choices[0]?.message.content ?? '', /no tools today/);
    assert.equal(client.choices[0]?.finish_reason, 'stop');

    const block = policy(() => ({ message: 'blocked by test' }));
    const gw3 = await r.gatewayFor(plain, { models: ['deepseek-reasoner'], plugins: [block] });
    const refused = await postChat(gw3.url, chat('deepseek-reasoner'));
    assert.equal(refused.status, 403);
    const e3 = await gw3.exchange();
    assert.deepEqual(e3.clientResponseBody, refused.json());
    assert.equal(e3.responseHeaders['content-type'], 'application/json; charset=utf-8');
  });
});
