import assert from 'node:assert/strict';
import type { ToolCall, TollgatePlugin } from '@tollgate/core';
import { type FakeUpstream, type TestGateway, sseResponder } from '@tollgate/testing';
import fc from 'fast-check';
import { parseFrames, providersFor } from '../support/formats.js';
import { fragments } from '../support/fragments.js';
import { useGuard } from '../support/guard.js';
import { post } from '../support/http.js';

interface GenCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly cuts: readonly number[];
}

const genCall: fc.Arbitrary<GenCall> = fc.record({
  name: fc.stringMatching(/^[a-z_]{1,10}$/),
  args: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 4 }),
  cuts: fc.array(fc.nat(), { maxLength: 5 }),
});

/**
 * An OpenAI chat stream of `calls` whose fragments are sent in the order `picks` chooses among
 * the calls still having fragments (each call's own fragments stay in order): sequential when
 * `picks` keeps choosing the same call, interleaved otherwise.
 */
function interleavedWire(calls: readonly GenCall[], picks: readonly number[]): { frames: string[]; interleaved: boolean } {
  const chunk = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-g', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const queues = calls.map((c) => fragments(JSON.stringify(c.args), c.cuts));
  const sent = calls.map(() => 0);
  const frames = [chunk({ role: 'assistant', content: 'Working on it. ' })];
  const order: number[] = [];
  let k = 0;
  while (queues.some((q, i) => sent[i]! < q.length)) {
    const open = queues.map((q, i) => i).filter((i) => sent[i]! < queues[i]!.length);
    const i = open[(picks[k++] ?? 0) % open.length]!;
    const j = sent[i]!++;
    const frag = queues[i]![j]!;
    order.push(i);
    frames.push(chunk({ tool_calls: [j === 0 ? { index: i, id: `call_${i}`, type: 'function', function: { name: calls[i]!.name, arguments: frag } } : { index: i, function: { arguments: frag } }] }));
  }
  frames.push(chunk({}, 'tool_calls'), 'data: [DONE]\n\n');
  // Interleaved: a call sends again after a later call started.
  const interleaved = order.some((c, n) => order.slice(0, n).some((earlier) => earlier > c));
  return { frames, interleaved };
}

/** The calls an OpenAI client reassembles from a stream (by tool index), and whether it saw an error. */
function clientCalls(text: string): { calls: Array<{ id: string; name: string; params: unknown }>; error: boolean } {
  const byIndex = new Map<number, { id: string; name: string; args: string }>();
  let error = false;
  for (const frame of parseFrames(text)) {
    if (frame.data === '[DONE]') continue;
    const chunk = JSON.parse(frame.data);
    if (chunk.error !== undefined) error = true;
    for (const choice of chunk.choices ?? []) {
      for (const tc of choice.delta?.tool_calls ?? []) {
        const call = byIndex.get(tc.index) ?? { id: '', name: '', args: '' };
        if (typeof tc.id === 'string') call.id = tc.id;
        if (typeof tc.function?.name === 'string') call.name += tc.function.name;
        if (typeof tc.function?.arguments === 'string') call.args += tc.function.arguments;
        byIndex.set(tc.index, call);
      }
    }
  }
  const calls = [...byIndex.values()].map((c) => ({ id: c.id, name: c.name, params: JSON.parse(c.args) as unknown })).sort((a, b) => a.id.localeCompare(b.id));
  return { calls, error };
}

describe('properties: tool-call gating over HTTP', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  const decided: ToolCall[] = [];
  const recorder: TollgatePlugin = {
    name: 'recorder',
    apply: (host) =>
      host.hooks.onToolCall.tap('recorder', ({ call }) => {
        decided.push(call);
        return undefined;
      }),
  };

  beforeEach(async () => {
    upstream = await guard.upstream();
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [recorder], recordExchanges: false });
  });

  it('whatever the order of fragments of parallel calls, the client either gets exactly the calls onToolCall decided, or an error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(genCall, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 40 }), async (calls, picks) => {
        decided.length = 0;
        const { frames, interleaved } = interleavedWire(calls, picks);
        upstream.respond(sseResponder(frames));
        const answer = await post(gw.url, '/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'go' }] });
        assert.equal(answer.status, 200);
        assert.ok(answer.complete);
        const client = clientCalls(answer.text);
        if (!interleaved) assert.equal(client.error, false, 'a well-ordered stream is never refused');
        if (client.error) return;
        assert.deepEqual(
          client.calls,
          decided.map((c) => ({ id: c.id, name: c.name, params: c.params })).sort((a, b) => a.id.localeCompare(b.id)),
          'the client holds exactly the calls that were decided, with the decided arguments',
        );
      }),
      { numRuns: 60 },
    );
  });
});
