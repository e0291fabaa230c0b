import assert from 'node:assert/strict';
import { type Denial, type ToolCall } from '@tollgate/core';
import { strippedCallNote } from '@tollgate/core/formats';
import { jsonResponder, readChunks, sseResponder } from '@tollgate/testing';
import { MODELS, type Rig, fixtureFrames, fixtureJson, parseSse, post, startRig, toolGate } from './support.js';

describe('onToolCall gating in every format', () => {
  /** Denies calls that `match` with `action`; lets the others through. */
  function denyWhere(match: (call: ToolCall) => boolean, action: 'block' | 'strip', message = 'not allowed by policy'): (call: ToolCall) => Denial | undefined {
    return (call) => (match(call) ? { message, action } : undefined);
  }

  let decide: (call: ToolCall) => Denial | undefined = () => undefined;
  const gate = toolGate((call) => decide(call));
  let rig: Rig;

  before(async () => {
    rig = await startRig([gate]);
  });
  after(async () => rig.close());

  const anthropic = (stream: boolean) => post(rig.gw.url, '/v1/messages', { model: MODELS.anthropic, max_tokens: 100, messages: [{ role: 'user', content: 'go' }], stream }, { 'anthropic-version': '2023-06-01' });
  const responses = (stream: boolean) => post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'go', stream });
  const gemini = (method: string) => post(rig.gw.url, `/v1beta/models/${MODELS.gemini}:${method}`, { contents: [{ role: 'user', parts: [{ text: 'go' }] }] });

  describe('onToolCall gating: Anthropic Messages', () => {
    it('stream, strip: the stripped tool_use block becomes a text note at the same index; the others pass', async () => {
      decide = denyWhere((c) => c.params.query === 'beta', 'strip', 'beta is private');
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'anthropic-issue-15652-false.chunks.txt')));
      const n = rig.gw.exchanges.length + 1;
      const res = await anthropic(true);
      assert.equal(res.status, 200);
      const events = parseSse(res.text);
      assert.ok(!res.text.includes('beta\\"'), 'no fragment of the stripped call reaches the client');
      const starts = events.filter((e) => e.event === 'content_block_start').map((e) => [e.data.index, e.data.content_block.type]);
      assert.deepEqual(starts, [[0, 'tool_use'], [1, 'text'], [2, 'tool_use']]);
      const note = events.find((e) => e.event === 'content_block_delta' && e.data.index === 1);
      assert.deepEqual(note?.data.delta, { type: 'text_delta', text: strippedCallNote('searchDocs', 'beta is private') });
      assert.equal(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason, 'tool_use', 'calls remain, so the turn still ends in tool_use');
      assert.equal(events.at(-1)?.event, 'message_stop');
      const ex = await rig.gw.exchange(n);
      assert.equal(ex.toolCalls.length, 3, 'the exchange keeps the calls the model made');
      assert.deepEqual(ex.toolDecisions.map((d) => [d.call.params.query, d.outcome]).sort(), [['alpha', 'allowed'], ['beta', 'stripped'], ['gamma', 'allowed']]);
    });

    it('stream, strip of every call: stop_reason becomes end_turn', async () => {
      decide = denyWhere(() => true, 'strip');
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'tool_use_response.txt')));
      const events = parseSse((await anthropic(true)).text);
      assert.equal(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason, 'end_turn');
      assert.ok(!events.some((e) => e.data?.content_block?.type === 'tool_use'));
    });

    it('stream, block: text sent before the call stays; the call never arrives; an error event ends the stream', async () => {
      decide = denyWhere((c) => c.name === 'get_weather', 'block', 'weather lookups are blocked');
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'tool_use_response.txt')));
      const n = rig.gw.exchanges.length + 1;
      const res = await anthropic(true);
      assert.equal(res.status, 200);
      const events = parseSse(res.text);
      assert.deepEqual(events.at(-1), { event: 'error', data: { type: 'error', error: { type: 'permission_error', message: 'weather lookups are blocked' } } });
      assert.ok(events.some((e) => e.data?.delta?.text === "'ll check the current weather in Paris for you."));
      assert.ok(!events.some((e) => e.data?.content_block?.type === 'tool_use'));
      assert.ok(!events.some((e) => e.event === 'message_stop'));
      const ex = await rig.gw.exchange(n);
      assert.equal(ex.error?.code, 'tool_call_blocked');
    });

    it('non-stream: strip replaces the block in place; block answers 403 in the Anthropic envelope', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('anthropic-messages', 'anthropic-issue-11719-quoted-tool-input.json')));
      decide = denyWhere(() => true, 'strip', 'no website updates');
      const stripped = await anthropic(false);
      assert.equal(stripped.status, 200);
      assert.deepEqual(stripped.json().content, [{ type: 'text', text: strippedCallNote('website_update', 'no website updates') }]);
      assert.equal(stripped.json().stop_reason, 'end_turn');
      decide = denyWhere(() => true, 'block', 'no website updates');
      const blocked = await anthropic(false);
      assert.equal(blocked.status, 403);
      assert.deepEqual(blocked.json(), { type: 'error', error: { type: 'permission_error', message: 'no website updates' } });
    });
  });

  describe('onToolCall gating: OpenAI Responses', () => {
    it('stream, strip: the call item becomes an assistant message at the same output_index', async () => {
      decide = denyWhere(() => true, 'strip', 'lookups are off');
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-issue-11239.1.chunks.txt')));
      const res = await responses(true);
      const events = parseSse(res.text);
      for (const e of events) assert.equal(e.event, e.data.type);
      assert.ok(!events.some((e) => String(e.event).startsWith('response.function_call_arguments')));
      assert.deepEqual(events.map((e) => e.data.sequence_number), events.map((_e, i) => i));
      const note = strippedCallNote('lookupVerificationCode', 'lookups are off');
      const added = events.find((e) => e.event === 'response.output_item.added' && e.data.output_index === 1);
      assert.equal(added?.data.item.type, 'message');
      assert.equal(events.find((e) => e.event === 'response.output_text.delta')?.data.delta, note);
      const completed = events.at(-1)!;
      assert.equal(completed.event, 'response.completed');
      assert.deepEqual(completed.data.response.output.map((i: any) => i.type), ['reasoning', 'message']);
      assert.equal(completed.data.response.output[1].content[0].text, note);
    });

    it('stream, block: events before the call pass; an error event and response.failed end the stream', async () => {
      decide = denyWhere(() => true, 'block', 'lookups are off');
      rig.upstream.respond(sseResponder(fixtureFrames('openai-responses', 'openai-issue-11239.1.chunks.txt')));
      const events = parseSse((await responses(true)).text);
      assert.deepEqual(events.slice(0, 4).map((e) => e.event), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.output_item.done']);
      assert.equal(events[2]!.data.item.type, 'reasoning');
      assert.equal(events[4]!.event, 'error');
      assert.equal(events[4]!.data.error.message, 'lookups are off');
      assert.equal(events[4]!.data.error.code, 'tool_call_blocked');
      assert.equal(events[5]!.event, 'response.failed');
      assert.equal(events.length, 6);
    });

    it('non-stream: strip and block', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('openai-responses', 'issue-7082-o3-optional-tool-parameters.json')));
      decide = denyWhere(() => true, 'strip', 'no search');
      const stripped = (await responses(false)).json();
      assert.deepEqual(stripped.output.map((i: any) => i.type), ['reasoning', 'message']);
      assert.equal(stripped.output[1].content[0].text, strippedCallNote('semantic_scholar_search', 'no search'));
      decide = denyWhere(() => true, 'block', 'no search');
      const blocked = await responses(false);
      assert.equal(blocked.status, 403);
      assert.deepEqual(blocked.json().error.message, 'no search');
      assert.deepEqual(blocked.json().error.code, 'tool_call_blocked');
    });
  });

  describe('onToolCall gating: Gemini', () => {
    const sse = 'streamGenerateContent?alt=sse';

    it('stream, strip: a note part replaces the call; its thought signature moves on with it', async () => {
      decide = denyWhere((c) => c.name === 'read_theme', 'strip', 'themes are private');
      rig.upstream.respond(sseResponder(fixtureFrames('gemini', 'google-stream-no-args-tool-call.chunks.txt')));
      const res = await gemini(sse);
      assert.equal(res.status, 200);
      const parts = parseSse(res.text).flatMap((e) => e.data.candidates[0].content.parts);
      const signature = (readChunks('gemini', 'google-stream-no-args-tool-call.chunks.txt')[1] as any).candidates[0].content.parts[0].thoughtSignature;
      const note = parts.find((p: any) => p.text?.startsWith('[tollgate]'));
      assert.deepEqual(note, { text: strippedCallNote('read_theme', 'themes are private'), thoughtSignature: signature });
      assert.ok(!parts.some((p: any) => p.functionCall?.name === 'read_theme'));
      const firstKept = parts.find((p: any) => p.functionCall?.name === 'read_screen');
      assert.equal(firstKept.thoughtSignature, signature, 'the first kept call carries the step’s signature');
    });

    it('stream, block before anything was sent: a plain HTTP 403 in the Google envelope', async () => {
      decide = denyWhere(() => true, 'block', 'no weather');
      rig.upstream.respond(sseResponder(fixtureFrames('gemini', 'google-tool-call.chunks.txt')));
      const res = await gemini(sse);
      assert.equal(res.status, 403);
      assert.deepEqual(res.json(), { error: { code: 403, message: 'no weather', status: 'PERMISSION_DENIED' } });
    });

    it('stream, block mid-stream: earlier chunks pass, an error chunk ends the stream', async () => {
      decide = denyWhere((c) => c.params.id === 'B', 'block', 'screen B is private');
      rig.upstream.respond(sseResponder(fixtureFrames('gemini', 'google-stream-no-args-tool-call.chunks.txt')));
      const events = parseSse((await gemini(sse)).text);
      assert.deepEqual(events.at(-1)?.data, { error: { code: 403, message: 'screen B is private', status: 'PERMISSION_DENIED' } });
      const sent = events.slice(0, -1).flatMap((e) => e.data.candidates[0].content.parts);
      assert.ok(sent.some((p: any) => p.partialArgs === undefined && p.functionCall?.partialArgs?.[0]?.stringValue === 'A'));
      assert.ok(!JSON.stringify(sent).includes('"B"'));
    });

    it('non-stream generateContent and the JSON-array streamGenerateContent: strip and block', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('gemini', 'google-tool-call.json')));
      decide = denyWhere(() => true, 'strip', 'no weather');
      const stripped = (await gemini('generateContent')).json();
      assert.equal(stripped.candidates[0].content.parts[0].text, strippedCallNote('weather', 'no weather'));
      decide = denyWhere(() => true, 'block', 'no weather');
      const blocked = await gemini('generateContent');
      assert.equal(blocked.status, 403);
      assert.equal(blocked.json().error.status, 'PERMISSION_DENIED');

      rig.upstream.respond(jsonResponder(readChunks('gemini', 'google-stream-no-args-tool-call.chunks.txt')));
      decide = denyWhere((c) => c.name === 'read_screen' && c.params.id !== 'A', 'strip', 'one screen only');
      const n = rig.gw.exchanges.length + 1;
      const array = (await gemini('streamGenerateContent')).json();
      assert.ok(Array.isArray(array));
      const calls = array.flatMap((c: any) => c.candidates[0].content.parts).filter((p: any) => p.functionCall?.name);
      assert.deepEqual(calls.map((p: any) => p.functionCall.name), ['read_theme', 'read_screen']);
      const ex = await rig.gw.exchange(n);
      assert.equal(ex.toolCalls.length, 4);
      assert.deepEqual(ex.toolDecisions.filter((d) => d.outcome === 'stripped').map((d) => d.call.params.id).sort(), ['B', 'C']);
    });
  });
});
