import assert from 'node:assert/strict';
import { type TollgatePlugin } from '@tollgate/core';
import { strippedCallNote } from '@tollgate/core/formats';
import { jsonResponder, readFixture, sseResponder } from '@tollgate/testing';
import OpenAI, { APIError, PermissionDeniedError } from 'openai';
import { BIN_PARALLEL, BIN_SINGLE, PROVIDER_KEY, fixtureWire, useResources } from './helpers.js';

const CLIENT_KEY = 'sk-client-held-key-5b1e';
const client = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'What is the weather in Edinburgh?' }];

const bashTool = {
  type: 'function' as const,
  function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
};

function toolPolicy(tool: string, action: 'block' | 'strip'): TollgatePlugin {
  return { name: 'policy', apply: (h) => h.hooks.onToolCall.tap('policy', (ctx) => (ctx.call.name === tool ? { message: `${tool} denied`, action } : undefined)) };
}

describe('the official openai client, against captured fixtures', () => {
  const r = useResources();

  it('non-streaming: parses a tool-call completion; the provider sees the gateway key, not the client key', async () => {
    const upstream = await r.upstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json')));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'] });
    const completion = await client(gw.url).chat.completions.create({ model: 'deepseek-reasoner', messages });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type, 'function');
    assert.deepEqual([call?.id, call?.type === 'function' ? call.function.name : '', call?.type === 'function' ? JSON.parse(call.function.arguments) : {}], [
      'call_00_9V0vrf86Pc9aelHCJMZqnJBo',
      'weather',
      { location: 'San Francisco' },
    ]);
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.usage?.total_tokens, 431);
    assert.equal(upstream.requests[0]?.headers.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.ok(!JSON.stringify(upstream.requests[0]?.headers).includes(CLIENT_KEY));
  });

  it('streaming with create({ stream: true }): every chunk arrives, text reassembles', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire('openai-text.chunks.txt')]));
    const gw = await r.gatewayFor(upstream);
    const stream = await client(gw.url).chat.completions.create({ model: 'gpt-4.1-nano', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(chunks, 303);
    assert.equal(text.length, 1724);
    assert.ok(text.startsWith('**Holiday Name:** Harmony Day'));
    assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens], [16, 300, 316]);
  });

  it('chat.completions.stream(...).finalChatCompletion() reassembles parallel tool calls', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream);
    const stream = client(gw.url).chat.completions.stream({ model: 'gpt-4o', messages });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    assert.deepEqual(
      calls.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : [])),
      [
        ['call_JMW1whyEaYG438VE1OIflxA2', 'GetWeatherArgs', { city: 'Edinburgh', country: 'GB', units: 'c' }],
        ['call_DNYTawLBoN8fj3KN6qU9N1Ou', 'get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }],
      ],
    );
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('a block before any byte surfaces as a 403 PermissionDeniedError', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_SINGLE)]));
    const gw = await r.gatewayFor(upstream, { plugins: [toolPolicy('GetWeatherArgs', 'block')] });
    await assert.rejects(client(gw.url).chat.completions.create({ model: 'gpt-4o', messages, stream: true }), (err: unknown) => {
      assert.ok(err instanceof PermissionDeniedError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'tool_call_blocked');
      assert.match(err.message, /GetWeatherArgs denied/);
      return true;
    });
  });

  it('a block after text was sent surfaces as an APIError while iterating the stream', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire('deepseek-tool-call.chunks.txt')]));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [toolPolicy('weather', 'block')] });
    const stream = await client(gw.url).chat.completions.create({ model: 'deepseek-reasoner', messages, stream: true });
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) {
          chunks++;
          assert.equal(chunk.choices[0]?.delta.tool_calls, undefined);
        }
      })(),
      (err: unknown) => {
        assert.ok(err instanceof APIError);
        assert.match(err.message, /weather denied/);
        assert.equal(err.code, 'tool_call_blocked');
        return true;
      },
    );
    assert.ok(chunks > 0, 'reasoning chunks arrived before the error');
    // The stream helper reports it too.
    const helper = client(gw.url).chat.completions.stream({ model: 'deepseek-reasoner', messages });
    await assert.rejects(helper.finalChatCompletion(), (err: unknown) => err instanceof APIError && /weather denied/.test(err.message));
  });

  it('strip in a stream: the SDK still parses, with the remaining call and the note', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream, { plugins: [toolPolicy('GetWeatherArgs', 'strip')] });
    const final = await client(gw.url).chat.completions.stream({ model: 'gpt-4o', messages }).finalChatCompletion();
    const message = final.choices[0]?.message;
    assert.deepEqual(
      (message?.tool_calls ?? []).map((c) => (c.type === 'function' ? [c.id, c.function.name] : [])),
      [['call_DNYTawLBoN8fj3KN6qU9N1Ou', 'get_stock_price']],
    );
    assert.equal(message?.content, strippedCallNote('GetWeatherArgs', 'GetWeatherArgs denied'), 'as in the non-streamed answer');
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('strip of the only call in a stream: the SDK sees a text answer with finish_reason stop', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_SINGLE)]));
    const gw = await r.gatewayFor(upstream, { plugins: [toolPolicy('GetWeatherArgs', 'strip')] });
    const final = await client(gw.url).chat.completions.stream({ model: 'gpt-4o', messages }).finalChatCompletion();
    assert.equal(final.choices[0]?.message.tool_calls?.length ?? 0, 0);
    assert.equal(final.choices[0]?.finish_reason, 'stop');
    assert.match(final.choices[0]?.message.content ?? '', /GetWeatherArgs denied/);
  });

  it('strip without streaming: the SDK gets the note and no call', async () => {
    const upstream = await r.upstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json')));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [toolPolicy('weather', 'strip')] });
    const completion = await client(gw.url).chat.completions.create({ model: 'deepseek-reasoner', messages });
    assert.equal(completion.choices[0]?.message.tool_calls, undefined);
    assert.equal(completion.choices[0]?.message.content, strippedCallNote('weather', 'weather denied'));
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
  });

  it('an upstream error reaches the SDK with its status and body', async () => {
    const upstream = await r.upstream(jsonResponder(readFixture('openai-chat', 'reasoning-model-legacy-parameter-error.json'), 400));
    const gw = await r.gatewayFor(upstream);
    await assert.rejects(client(gw.url).chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 10 }), (err: unknown) => {
      assert.ok(err instanceof APIError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'unsupported_parameter');
      assert.equal(err.param, 'max_tokens');
      return true;
    });
  });

  it('models.list() lists the configured models', async () => {
    const upstream = await r.upstream();
    const gw = await r.gatewayFor(upstream, { models: ['gpt-4o', 'gpt-4.1-nano'] });
    const ids: string[] = [];
    for await (const m of client(gw.url).models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['gpt-4.1-nano', 'gpt-4o']);
  });
});

describe('the official openai client, against the built-in mock', () => {
  const r = useResources();
  const mockGateway = () => r.gateway({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } } });

  it('answers a request with tools with a tool call, streaming and not, identically', async () => {
    const gw = await mockGateway();
    const ask = [{ role: 'user' as const, content: 'list the files in /tmp' }];
    const completion = await client(gw.url).chat.completions.create({ model: 'mock-1', messages: ask, tools: [bashTool] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'bash');
    assert.deepEqual(JSON.parse(call.function.arguments), { command: 'list the files in /tmp' });
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');

    const final = await client(gw.url).chat.completions.stream({ model: 'mock-1', messages: ask, tools: [bashTool] }).finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(streamed?.type === 'function');
    // Ids and token counts derive from the request body, which differs by `stream`.
    assert.match(streamed.id, /^call_mock_[0-9a-f]{16}$/);
    assert.deepEqual([streamed.function.name, streamed.function.arguments], ['bash', call.function.arguments]);
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    // Not asked for, the usage chunk does not reach the client (as from OpenAI); the exchange has it.
    assert.equal(final.usage, undefined);

    const e = await gw.exchange(2);
    assert.ok(e.usage.inputTokens > 0 && e.usage.outputTokens > 0);
    assert.deepEqual(e.toolCalls.map((c) => [c.name, c.params]), [['bash', { command: 'list the files in /tmp' }]]);
    assert.deepEqual(e.provider, { id: 'mock', name: 'mock' });
  });

  it('answers text without tools, and text again once the tool result comes back', async () => {
    const gw = await mockGateway();
    const plain = await client(gw.url).chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hello' }] });
    assert.match(plain.choices[0]?.message.content ?? '', /hello/);
    assert.equal(plain.choices[0]?.finish_reason, 'stop');
    const followUp = await client(gw.url).chat.completions.create({
      model: 'mock-1',
      tools: [bashTool],
      messages: [
        { role: 'user', content: 'list /tmp' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls /tmp"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
      ],
    });
    assert.equal(followUp.choices[0]?.message.tool_calls, undefined);
    assert.equal(followUp.choices[0]?.finish_reason, 'stop');
    let streamed = '';
    for await (const chunk of await client(gw.url).chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hello' }], stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(streamed, plain.choices[0]?.message.content);
  });
});
