import assert from 'node:assert/strict';
import { jsonResponder, sseResponder } from '@tollgate/testing';
import { MODELS, type Rig, calls, fixtureFrames, fixtureJson, parseSse, post, startRig } from './support.js';

describe('mock provider, models list and session ids', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.close());

  const weather = { functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] };
  const ask = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

  describe('the mock provider speaks Gemini (plain HTTP)', () => {
    it('generateContent: a text answer, and a functionCall when tools are declared', async () => {
      const text = await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, ask('hello'));
      assert.equal(text.status, 200);
      assert.match(text.json().candidates[0].content.parts[0].text, /answering: "hello"/);
      assert.equal(text.json().candidates[0].finishReason, 'STOP');
      const n = rig.gw.exchanges.length + 1;
      const call = await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, { ...ask('weather in Oslo'), tools: [weather] });
      assert.deepEqual(call.json().candidates[0].content.parts, [{ functionCall: { name: 'get_weather', args: { city: 'weather in Oslo' } } }]);
      const ex = await rig.gw.exchange(n);
      assert.deepEqual(calls(ex).map((c) => [c.name, c.params]), [['get_weather', { city: 'weather in Oslo' }]]);
      assert.match(ex.toolCalls[0]!.id, /^call_mock[0-9a-f]+_0$/);
      assert.equal(ex.model, MODELS.mock);
    });

    it('streamGenerateContent?alt=sse: SSE chunks whose text joins up; a call in the last chunk', async () => {
      const res = await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:streamGenerateContent?alt=sse`, ask('stream me'));
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const chunks = parseSse(res.text).map((e) => e.data);
      assert.ok(chunks.length > 2);
      assert.match(chunks.map((c) => c.candidates[0].content.parts.map((p: any) => p.text).join('')).join(''), /answering: "stream me"/);
      assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
      const n = rig.gw.exchanges.length + 1;
      const withTool = parseSse((await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:streamGenerateContent?alt=sse`, { ...ask('Paris'), tools: [weather] })).text);
      assert.deepEqual(withTool.at(-1)?.data.candidates[0].content.parts, [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }]);
      const ex = await rig.gw.exchange(n);
      assert.equal(ex.streamed, true);
      assert.deepEqual(calls(ex).map((c) => c.params), [{ city: 'Paris' }]);
    });

    it('streamGenerateContent without alt=sse: one JSON array of chunks', async () => {
      const n = rig.gw.exchanges.length + 1;
      const res = await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:streamGenerateContent`, { ...ask('Rome'), tools: [weather] });
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const array = res.json();
      assert.ok(Array.isArray(array));
      assert.deepEqual(array.at(-1).candidates[0].content.parts, [{ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }]);
      const ex = await rig.gw.exchange(n);
      assert.deepEqual(calls(ex).map((c) => c.params), [{ city: 'Rome' }]);
      assert.equal(ex.usage.outputTokens > 0, true);
    });

    it('the JSON-array answer of a real provider: the exchange holds the reassembled response and each chunk', async () => {
      const frames = fixtureFrames('gemini', 'google-text.chunks.txt').map((f) => JSON.parse(f.slice(6)));
      rig.upstream.respond(jsonResponder(frames));
      const n = rig.gw.exchanges.length + 1;
      const res = await post(rig.gw.url, `/v1beta/models/${MODELS.gemini}:streamGenerateContent`, ask('strawberry'));
      assert.deepEqual(res.json(), frames);
      assert.equal(rig.upstream.requests.at(-1)?.url, `/v1beta/models/${MODELS.gemini}:streamGenerateContent`);
      const ex = await rig.gw.exchange(n);
      assert.equal((ex.responseBody as any).candidates[0].content.parts[0].text, 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
      assert.deepEqual(ex.rawResponses, frames);
      assert.equal(ex.usage.totalTokens, 217);
    });
  });

  describe('GET /v1/models lists supported_endpoints from compatibility flags', () => {
    it('one entry per model, endpoints per provider', async () => {
      const res = await fetch(`${rig.gw.url}/v1/models`);
      const body = (await res.json()) as { data: Array<{ id: string; supported_endpoints: string[]; metadata: { provider: { id: string } } }> };
      const byId = Object.fromEntries(body.data.map((m) => [m.id, m]));
      assert.deepEqual(byId[MODELS.anthropic]?.supported_endpoints, ['/v1/messages']);
      assert.deepEqual(byId[MODELS.openai]?.supported_endpoints.sort(), ['/v1/chat/completions', '/v1/responses']);
      assert.deepEqual(byId[MODELS.gemini]?.supported_endpoints, ['/v1beta/models/{model}:generateContent']);
      assert.deepEqual(byId[MODELS.chatOnly]?.supported_endpoints, ['/v1/chat/completions']);
      assert.deepEqual(byId[MODELS.mock]?.supported_endpoints.sort(), ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1beta/models/{model}:generateContent']);
      assert.equal(byId[MODELS.gemini]?.metadata.provider.id, 'google');
    });
  });

  describe('session id per exchange', () => {
    const claudeUserId = 'user_4e1f9a0c_account_0d5c2a3b-1111-4222-8333-444455556666_session_9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

    it('Claude Code: the session part of metadata.user_id', async () => {
      rig.upstream.respond(sseResponder(fixtureFrames('anthropic-messages', 'anthropic-text.chunks.txt')));
      const n = rig.gw.exchanges.length + 1;
      await post(rig.gw.url, '/v1/messages', { model: MODELS.anthropic, max_tokens: 5, stream: true, metadata: { user_id: claudeUserId }, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal((await rig.gw.exchange(n)).sessionId, '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    });

    it('Codex: the session_id header, else prompt_cache_key', async () => {
      rig.upstream.respond(jsonResponder(fixtureJson('openai-responses', 'issue-7082-o3-optional-tool-parameters.json')));
      const n = rig.gw.exchanges.length + 1;
      await post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'x', prompt_cache_key: 'cache-key-1' }, { session_id: 'codex-0199' });
      assert.equal((await rig.gw.exchange(n)).sessionId, 'codex-0199');
      await post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'x', prompt_cache_key: 'cache-key-1' });
      assert.equal((await rig.gw.exchange(n + 1)).sessionId, 'cache-key-1');
    });

    it('Gemini: a stable fingerprint of the conversation’s opening; x-session-id when sent', async () => {
      const first = ask('plan a trip');
      const later = { contents: [...first.contents, { role: 'model', parts: [{ text: 'sure' }] }, { role: 'user', parts: [{ text: 'to Rome' }] }] };
      const n = rig.gw.exchanges.length + 1;
      await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, first);
      await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, later);
      await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, ask('something else'));
      await post(rig.gw.url, `/v1beta/models/${MODELS.mock}:generateContent`, later, { 'x-session-id': 'sess-7' });
      const ids = await Promise.all([n, n + 1, n + 2, n + 3].map((i) => rig.gw.exchange(i).then((e) => e.sessionId)));
      assert.match(ids[0]!, /^fp_[0-9a-f]{24}$/);
      assert.equal(ids[1], ids[0]);
      assert.notEqual(ids[2], ids[0]);
      assert.equal(ids[3], 'sess-7');
    });
  });
});
