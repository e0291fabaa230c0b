import assert from 'node:assert/strict';
import { type FixtureFormat, jsonResponder, readFixture, sequenceResponder, sseResponder } from '@tollgate/testing';
import { FIXTURES, type FixtureExpectation, answerText } from './expectations.js';
import { MODELS, PROVIDER_KEYS, type Rig, agentLoopFrames, calls, fixtureFrames, fixtureJson, parseSse, post, startRig, toolGate, usageOf } from './support.js';

/** The client request for a format, and where it must arrive upstream. */
function requestFor(format: FixtureFormat, streaming: boolean): { path: string; body: unknown; headers: Record<string, string>; upstreamPath: string } {
  switch (format) {
    case 'openai-responses':
      return { path: '/v1/responses', body: { model: MODELS.openai, input: 'hi', stream: streaming }, headers: { authorization: 'Bearer client-key' }, upstreamPath: '/v1/responses' };
    case 'anthropic-messages':
      return {
        path: '/v1/messages?beta=true',
        body: { model: MODELS.anthropic, max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], stream: streaming },
        headers: { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14' },
        upstreamPath: '/v1/messages?beta=true',
      };
    case 'gemini': {
      const method = streaming ? 'streamGenerateContent?alt=sse' : 'generateContent';
      return {
        path: `/v1beta/models/${MODELS.gemini}:${method}${streaming ? '&' : '?'}key=client-key`,
        body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        headers: {},
        upstreamPath: `/v1beta/models/${MODELS.gemini}:${method}`,
      };
    }
    default:
      throw new Error(format);
  }
}

/** SSE text split into frames (blank-line separated), each with its terminator. */
function framesOf(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((f) => f !== '');
}

const isPing = (frame: string) => frame.startsWith('event: ping\n');

async function replay(rig: Rig, fx: FixtureExpectation, gated: boolean): Promise<void> {
  const req = requestFor(fx.format, fx.streaming);
  const before = rig.upstream.requests.length;
  const frames = fx.streaming ? fixtureFrames(fx.format, fx.file) : [];
  rig.upstream.respond(fx.streaming ? sseResponder(frames) : jsonResponder(readFixture(fx.format, fx.file), fx.status ?? 200));
  const n = rig.gw.exchanges.length + 1;
  const res = await post(rig.gw.url, req.path, req.body, req.headers);
  // The client gets exactly what the provider sent.
  assert.equal(res.status, fx.status ?? 200, res.text);
  if (fx.streaming) {
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    if (!gated) assert.equal(res.text, frames.join(''));
    else {
      // Held call events are released unchanged and in order; only pings (keep-alives) may
      // have flowed past a call waiting for its decision.
      const got = framesOf(res.text);
      const want = framesOf(frames.join(''));
      assert.deepEqual(got.filter((f) => !isPing(f)), want.filter((f) => !isPing(f)));
      assert.deepEqual(got.filter(isPing), want.filter(isPing));
    }
  } else assert.equal(res.text, readFixture(fx.format, fx.file).toString('utf8'));
  // What went upstream: the routed path, the provider key in the provider's style, no client key.
  const sent = rig.upstream.requests[before]!;
  assert.equal(sent.url, req.upstreamPath);
  const h = sent.headers;
  assert.ok(!JSON.stringify(h).includes('client-key'), 'the client key never goes upstream');
  if (fx.format === 'anthropic-messages') {
    assert.equal(h['x-api-key'], PROVIDER_KEYS.anthropic);
    assert.equal(h['anthropic-version'], '2023-06-01');
    assert.equal(h['anthropic-beta'], 'fine-grained-tool-streaming-2025-05-14');
    assert.equal(h.authorization, undefined);
  } else if (fx.format === 'gemini') {
    assert.equal(h['x-goog-api-key'], PROVIDER_KEYS.gemini);
  } else assert.equal(h.authorization, `Bearer ${PROVIDER_KEYS.openai}`);
  assert.deepEqual(sent.body, req.body, 'the body is forwarded unchanged');
  // What hooks see: the reassembled body, tool calls and usage of the fixtures README.
  const ex = await rig.gw.exchange(n);
  assert.equal(ex.streamed, fx.streaming);
  assert.deepEqual(calls(ex), fx.calls);
  assert.deepEqual(usageOf(ex.usage), fx.usage);
  if (fx.text !== undefined) assert.equal(answerText(fx.format, ex.responseBody), fx.text);
  if (!fx.streaming) assert.deepEqual(ex.responseBody, fixtureJson(fx.format, fx.file));
  if (fx.streaming) assert.equal(ex.rawResponses.length, parseSse(frames.join('')).length, 'one raw object per SSE event');
}

for (const gated of [false, true]) {
  describe(`fixture replay through the gateway (${gated ? 'every call held by an allowing onToolCall tap' : 'no onToolCall tap'})`, () => {
    let rig: Rig;
    const gate = toolGate(async () => {
      await new Promise((r) => setImmediate(r));
      return undefined;
    });
    before(async () => {
      rig = await startRig(gated ? [gate] : []);
    });
    after(async () => rig.close());

    for (const fx of FIXTURES) {
      it(`${fx.format}/${fx.file}`, async () => {
        const seenBefore = gate.seen.length;
        await replay(rig, fx, gated);
        if (gated) assert.deepEqual(gate.seen.slice(seenBefore).map(({ id, name, params }) => ({ id, name, params })), fx.calls, 'onToolCall saw every call, in order');
      });
    }

    it('openai-responses/openai-reasoning-encrypted-content.1.chunks.txt, one response per turn of the agent loop', async () => {
      const groups = agentLoopFrames();
      rig.upstream.respond(sequenceResponder(groups.map((g) => sseResponder(g))));
      const expected = [
        { calls: [{ id: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn', name: 'calculator', params: { a: 12, b: 7, op: 'add' } }], usage: [134, 28] },
        { calls: [{ id: 'call_Q6pW65MUgW9vF59BmItYGos3', name: 'calculator', params: { a: 19, b: 3, op: 'multiply' } }], usage: [221, 26] },
        { calls: [{ id: 'call_Zl5vIMnD7dVAjgU6FkhmiCZh', name: 'calculator', params: { a: 57, b: 10, op: 'multiply' } }], usage: [260, 26] },
        { calls: [], usage: [299, 12] },
      ];
      for (const [i, frames] of groups.entries()) {
        const n = rig.gw.exchanges.length + 1;
        const res = await post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'compute', stream: true });
        assert.equal(res.text, frames.join(''), `turn ${i + 1}`);
        const ex = await rig.gw.exchange(n);
        assert.deepEqual(calls(ex), expected[i]!.calls);
        assert.deepEqual([ex.usage.inputTokens, ex.usage.outputTokens], expected[i]!.usage);
        if (i === 0) {
          const summary = (ex.responseBody as any).output[0].summary.map((s: any) => s.text).join('');
          assert.equal(summary.length, 163);
        }
        if (i === 3) assert.equal(answerText('openai-responses', ex.responseBody), 'The final result is **570**.');
      }
    });
  });
}
