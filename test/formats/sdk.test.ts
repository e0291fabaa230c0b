import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { strippedCallNote } from '@tollgate/core/formats';
import { type ToolCall, type Denial } from '@tollgate/core';
import { jsonResponder, sseResponder } from '@tollgate/testing';
import OpenAI from 'openai';
import { WEBSITE_UPDATE } from './expectations.js';
import { MODELS, PROVIDER_KEYS, type Rig, calls, fixtureFrames, fixtureJson, startRig, toolGate } from './support.js';

describe('official SDKs through the gateway', () => {
  let decide: (call: ToolCall) => Denial | undefined = () => undefined;
  let rig: Rig;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    rig = await startRig([toolGate((c) => decide(c))]);
    openai = new OpenAI({ baseURL: `${rig.gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: rig.gw.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => rig.close());
  beforeEach(() => {
    decide = () => undefined;
  });

  /**
   * tool_use_response.txt ends without the blank line that terminates its last event (an
   * artefact of the capture; the real API terminates every event), and SSE clients drop an
   * unterminated event, so the SDK tests replay it terminated.
   */
  const toolUseFrames = () => [`${fixtureFrames('anthropic-messages', 'tool_use_response.txt').join('')}\n\n`];

  const weatherTool = { type: 'function' as const, name: 'get_weather', description: 'weather', strict: false, parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };
  const anthropicTool = { name: 'get_weather', description: 'weather', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] } };

  describe('openai SDK: responses through the gateway', () => {
    it('responses.create (non-stream) with a function call', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('openai-responses', 'issue-7082-o3-optional-tool-parameters.json')));
      const res = await openai.responses.create({ model: MODELS.openai, input: 'search', tools: [weatherTool] });
      const call = res.output.find((o) => o.type === 'function_call');
      assert.equal(call?.type === 'function_call' && call.call_id, 'call_TXveU5dZ1lW6uhMbjhUIE9Gq');
      assert.deepEqual(JSON.parse(call?.type === 'function_call' ? call.arguments : '{}'), { query: 'machine learning', limit: 10, offset: 0, year: 0 });
      assert.equal(res.usage?.output_tokens_details.reasoning_tokens, 192);
    });

    it('responses.stream: events and finalResponse() with a streamed function call', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-issue-11239.1.chunks.txt')));
      const stream = openai.responses.stream({ model: MODELS.openai, input: 'code?', tools: [weatherTool] });
      const deltas: string[] = [];
      stream.on('response.function_call_arguments.delta', (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      assert.equal(deltas.join(''), '{"label":"issue-11239"}');
      const call = final.output[1];
      assert.equal(call?.type, 'function_call');
      assert.equal(call?.type === 'function_call' && call.arguments, '{"label":"issue-11239"}');
    });

    it('responses.create({stream: true}) text: output_text from the deltas', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-issue-11239.2.chunks.txt')));
      const stream = await openai.responses.create({ model: MODELS.openai, input: 'code?', stream: true });
      let text = '';
      for await (const e of stream) if (e.type === 'response.output_text.delta') text += e.delta;
      assert.equal(text, 'Verification code for issue-11239 is blue-42.');
    });

    it('a provider in-stream error surfaces as an SDK error', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-error.1.chunks.txt')));
      await assert.rejects(openai.responses.stream({ model: MODELS.openai, input: 'x' }).finalResponse(), /exceeded your current quota/);
    });

    it('strip: finalResponse() has the note instead of the call; block: the stream rejects', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-issue-11239.1.chunks.txt')));
      decide = () => ({ message: 'no lookups', action: 'strip' });
      const final = await openai.responses.stream({ model: MODELS.openai, input: 'code?' }).finalResponse();
      assert.equal(final.output_text, strippedCallNote('lookupVerificationCode', 'no lookups'));
      assert.ok(!final.output.some((o) => o.type === 'function_call'));
      decide = () => ({ message: 'no lookups', action: 'block' });
      await assert.rejects(openai.responses.stream({ model: MODELS.openai, input: 'code?' }).finalResponse(), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.match(err.message, /no lookups/);
        return true;
      });
      rig.upstream.respond(jsonResponder(fixtureJson('openai-responses', 'issue-7082-o3-optional-tool-parameters.json')));
      await assert.rejects(openai.responses.create({ model: MODELS.openai, input: 'x' }), (err: unknown) => err instanceof OpenAI.PermissionDeniedError && /no lookups/.test(err.message));
    });

    it('the mock provider answers responses.create and responses.stream with a tool call', async () => {
      const tools = [{ ...weatherTool }];
      const res = await openai.responses.create({ model: MODELS.mock, input: 'get_weather for Oslo', tools });
      const call = res.output.find((o) => o.type === 'function_call');
      assert.equal(call?.type === 'function_call' && call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call?.type === 'function_call' ? call.arguments : ''), { location: 'get_weather for Oslo' });
      const n = rig.gw.exchanges.length + 1;
      const final = await openai.responses.stream({ model: MODELS.mock, input: 'get_weather for Oslo', tools }).finalResponse();
      assert.deepEqual(final.output.map((o) => o.type), ['function_call']);
      const ex = await rig.gw.exchange(n);
      assert.deepEqual(calls(ex).map((c) => [c.name, c.params]), [['get_weather', { location: 'get_weather for Oslo' }]]);
      const text = await openai.responses.stream({ model: MODELS.mock, input: 'hello there' }).finalResponse();
      assert.match(text.output_text, /mock model of tollgate answering: "hello there"/);
      assert.equal(text.usage?.total_tokens, (text.usage?.input_tokens ?? 0) + (text.usage?.output_tokens ?? 0));
    });
  });

  describe('@anthropic-ai/sdk: messages through the gateway', () => {
    const params = { model: MODELS.anthropic, max_tokens: 256, messages: [{ role: 'user' as const, content: 'weather in Paris?' }], tools: [anthropicTool] };

    it('messages.create (non-stream) with a tool_use block', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('anthropic-messages', 'anthropic-issue-11719-quoted-tool-input.json')));
      const msg = await anthropic.messages.create(params);
      const block = msg.content[0];
      assert.equal(block?.type, 'tool_use');
      assert.deepEqual(block?.type === 'tool_use' && block.input, WEBSITE_UPDATE);
      assert.equal(msg.stop_reason, 'tool_use');
    });

    it('messages.stream helpers: text and input_json events, finalMessage()', async () => {
      rig.upstream.respond(sseResponder(toolUseFrames()));
      const stream = anthropic.messages.stream(params);
      let text = '';
      const json: string[] = [];
      stream.on('text', (t) => (text += t));
      stream.on('inputJson', (partial) => json.push(partial));
      const msg = await stream.finalMessage();
      assert.equal(text, "I'll check the current weather in Paris for you.");
      assert.equal(json.join(''), '{"location": "Paris"}');
      assert.deepEqual(msg.content[1], { type: 'tool_use', id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', caller: { type: 'direct' }, input: { location: 'Paris' } });
      assert.equal(msg.usage.output_tokens, 65);
    });

    it('messages.stream with thinking: the signature survives', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'anthropic-clear-thinking.1.chunks.txt')));
      const msg = await anthropic.messages.stream({ ...params, tools: undefined }).finalMessage();
      assert.equal(msg.content[0]?.type, 'thinking');
      assert.ok(msg.content[0]?.type === 'thinking' && msg.content[0].signature.startsWith('EvQBCkYI'));
      assert.equal(msg.content[1]?.type === 'text' && msg.content[1].text, '925 ÷ 5 = 185');
    });

    it('strip: finalMessage() shows the note and ends the turn; block: finalMessage() rejects with the error event', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'anthropic-issue-15652-false.chunks.txt')));
      decide = (c) => (c.params.query === 'gamma' ? { message: 'gamma is private', action: 'strip' } : undefined);
      const partial = await anthropic.messages.stream(params).finalMessage();
      assert.deepEqual(partial.content.map((b) => (b.type === 'tool_use' ? b.input : b.type === 'text' ? b.text : b.type)), [{ query: 'alpha' }, { query: 'beta' }, strippedCallNote('searchDocs', 'gamma is private')]);
      assert.equal(partial.stop_reason, 'tool_use');

      rig.upstream.respond(sseResponder(toolUseFrames()));
      decide = () => ({ message: 'no weather', action: 'strip' });
      const all = await anthropic.messages.stream(params).finalMessage();
      assert.equal(all.stop_reason, 'end_turn');
      assert.deepEqual(all.content.map((b) => b.type), ['text', 'text']);

      decide = () => ({ message: 'no weather', action: 'block' });
      await assert.rejects(anthropic.messages.stream(params).finalMessage(), (err: unknown) => {
        assert.ok(err instanceof Anthropic.APIError);
        assert.equal(err.type, 'permission_error');
        assert.match(err.message, /no weather/);
        return true;
      });
      rig.upstream.respond(jsonResponder(fixtureJson('anthropic-messages', 'anthropic-issue-11719-quoted-tool-input.json')));
      await assert.rejects(anthropic.messages.create(params), (err: unknown) => err instanceof Anthropic.PermissionDeniedError && err.status === 403);
    });

    it('the mock provider answers messages.create and messages.stream with a tool call and with text', async () => {
      const mockParams = { ...params, model: MODELS.mock, messages: [{ role: 'user' as const, content: 'use get_weather for Rome' }] };
      const msg = await anthropic.messages.create(mockParams);
      const use = msg.content.find((b) => b.type === 'tool_use');
      assert.deepEqual(use?.type === 'tool_use' && [use.name, use.input], ['get_weather', { location: 'use get_weather for Rome' }]);
      assert.equal(msg.stop_reason, 'tool_use');
      const streamed = await anthropic.messages.stream(mockParams).finalMessage();
      assert.deepEqual(streamed.content.map((b) => b.type), ['tool_use']);
      assert.deepEqual(streamed.content[0]?.type === 'tool_use' && streamed.content[0].input, { location: 'use get_weather for Rome' });
      const text = await anthropic.messages.stream({ model: MODELS.mock, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
      assert.equal(text.stop_reason, 'end_turn');
      assert.match(text.content[0]?.type === 'text' ? text.content[0].text : '', /answering: "hi"/);
      // A tool result turn gets a text answer.
      const after = await anthropic.messages.create({
        ...mockParams,
        messages: [...mockParams.messages, { role: 'assistant', content: msg.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.type === 'tool_use' ? use.id : '', content: '20C' }] }],
      });
      assert.equal(after.stop_reason, 'end_turn');
    });

    it('messages.countTokens (Claude Code calls it) is proxied to /v1/messages/count_tokens with the provider key', async () => {
      const before = rig.upstream.requests.length;
      rig.upstream.respond(jsonResponder({ input_tokens: 42 }));
      const counted = await anthropic.messages.countTokens({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'how many tokens?' }] });
      assert.equal(counted.input_tokens, 42);
      const forwarded = rig.upstream.requests[before]!;
      assert.equal(forwarded.url, '/v1/messages/count_tokens');
      assert.equal(forwarded.headers['x-api-key'], PROVIDER_KEYS.anthropic);
      assert.equal((forwarded.body as { model: string }).model, MODELS.anthropic);
      const exchange = rig.gw.exchanges.at(-1)!;
      assert.deepEqual([exchange.path, exchange.usage.inputTokens, exchange.toolCalls.length], ['/v1/messages/count_tokens', 42, 0]);
      // The mock answers it too.
      const mocked = await anthropic.messages.countTokens({ model: MODELS.mock, messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(mocked.input_tokens > 0);
    });
  });
});
