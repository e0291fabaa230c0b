import assert from 'node:assert/strict';
import type { ToolCall, TollgatePlugin } from '@tollgate/core';
import { type FakeUpstream, type TestGateway, sseResponder } from '@tollgate/testing';
import { FORMATS, type FormatCase, assertErrorEnvelope, assertStreamEndsWithError, providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, post } from './support/http.js';

const [CHAT, RESPONSES, ANTHROPIC, GEMINI] = FORMATS as [FormatCase, FormatCase, FormatCase, FormatCase];

/** An `onToolCall` tap that records every call and blocks those whose params mention `rm -rf`. */
function policy(): TollgatePlugin & { readonly seen: ToolCall[] } {
  const seen: ToolCall[] = [];
  return {
    name: 'no-rm',
    seen,
    apply: (host) =>
      host.hooks.onToolCall.tap('no-rm', ({ call }) => {
        seen.push(call);
        return JSON.stringify(call.params).includes('rm -rf') ? { action: 'block', message: 'destructive command' } : undefined;
      }),
  };
}

const chatChunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const geminiChunk = (part: Record<string, unknown>, finish?: string): string =>
  `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [part] }, index: 0, ...(finish === undefined ? {} : { finishReason: finish }) }] })}\n\n`;
const fnItem = (args: string, status = 'completed') => ({ type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'shell', arguments: args, status });

/** Streams whose tool call changes after the gateway handed it to onToolCall. */
const CHANGED: Array<{ name: string; format: FormatCase; frames: string[] }> = [
  {
    name: 'OpenAI chat: more arguments for call 0 after call 1 started (interleaved fragments)',
    format: CHAT,
    frames: [
      chatChunk({ role: 'assistant', content: 'Running it. ' }),
      chatChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls' } }] }),
      chatChunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'noop', arguments: '{}' } }] }),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: '; rm -rf /"}' } }] }),
      chatChunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
  },
  {
    name: 'OpenAI chat: arguments after the choice finished',
    format: CHAT,
    frames: [
      chatChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } }] }),
      chatChunk({}, 'tool_calls'),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: ' && rm -rf /' } }] }),
      'data: [DONE]\n\n',
    ],
  },
  {
    name: 'Anthropic: input_json_delta after content_block_stop',
    format: ANTHROPIC,
    frames: [
      event('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Running it.' } }),
      event('content_block_stop', { index: 0 }),
      event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'shell', input: {} } }),
      event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"cmd":"ls' } }),
      event('content_block_stop', { index: 1 }),
      event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '; rm -rf /"}' } }),
      event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }),
      event('message_stop', {}),
    ],
  },
  {
    name: 'OpenAI Responses: output_item.done with other arguments than the deltas',
    format: RESPONSES,
    frames: [
      event('response.created', { response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] } }),
      event('response.output_item.added', { output_index: 0, item: fnItem('', 'in_progress') }),
      event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: '{"cmd":"ls"}' }),
      event('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 0, arguments: '{"cmd":"ls"}' }),
      event('response.output_item.done', { output_index: 0, item: fnItem('{"cmd":"ls; rm -rf /"}') }),
      event('response.completed', { response: { id: 'resp_1', object: 'response', status: 'completed', output: [fnItem('{"cmd":"ls; rm -rf /"}')] } }),
    ],
  },
  {
    name: 'OpenAI Responses: a final snapshot whose call differs from its events',
    format: RESPONSES,
    frames: [
      event('response.created', { response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] } }),
      event('response.output_item.added', { output_index: 0, item: fnItem('', 'in_progress') }),
      event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: '{"cmd":"ls"}' }),
      event('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 0, arguments: '{"cmd":"ls"}' }),
      event('response.output_item.done', { output_index: 0, item: fnItem('{"cmd":"ls"}') }),
      event('response.completed', { response: { id: 'resp_1', object: 'response', status: 'completed', output: [fnItem('{"cmd":"rm -rf /"}')] } }),
    ],
  },
  {
    name: 'Gemini (Vertex): partialArgs after the call was closed',
    format: GEMINI,
    frames: [
      geminiChunk({ text: 'Running it.' }),
      geminiChunk({ functionCall: { name: 'shell', willContinue: true } }),
      geminiChunk({ functionCall: { partialArgs: [{ jsonPath: '$.cmd', stringValue: 'ls', willContinue: true }], willContinue: true } }),
      geminiChunk({ functionCall: {} }),
      geminiChunk({ functionCall: { partialArgs: [{ jsonPath: '$.cmd', stringValue: '; rm -rf /' }], willContinue: true } }),
      geminiChunk({ functionCall: {} }),
      geminiChunk({ text: '' }, 'STOP'),
    ],
  },
  {
    name: 'Gemini: partialArgs after a complete call',
    format: GEMINI,
    frames: [geminiChunk({ functionCall: { name: 'shell', args: { cmd: 'ls' } } }), geminiChunk({ functionCall: { partialArgs: [{ jsonPath: '$.cmd', stringValue: ' && rm -rf /' }] } }), geminiChunk({ text: '' }, 'STOP')],
  },
];

describe('reliability: what the client receives as a tool call is what onToolCall decided', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let gate: ReturnType<typeof policy>;

  beforeEach(async () => {
    upstream = await guard.upstream();
    gate = policy();
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [gate] });
  });

  /** The answer carries no trace of the changed call, and ends with the format's error. */
  function assertRefusedChange(format: FormatCase, answer: Answer): void {
    assert.ok(!answer.text.includes('rm -rf'), `the changed call never reaches the client: ${answer.text}`);
    if (answer.status === 200) assertStreamEndsWithError(format, answer.text);
    else assertErrorEnvelope(format, answer, 502);
  }

  for (const c of CHANGED) {
    it(`${c.name}: the stream is stopped with an error`, async () => {
      upstream.respond(sseResponder(c.frames));
      const answer = await post(gw.url, c.format.path(true), c.format.body(true));
      assertRefusedChange(c.format, answer);
      const exchange = await gw.exchange(1);
      // Refused as soon as the stream leaves what every client reads alike, or once the call changed.
      assert.ok(['tool_call_changed', 'unreadable_response'].includes(String(exchange.error?.code)), String(exchange.error?.code));
      assert.ok(gate.seen.every((call) => !JSON.stringify(call.params).includes('rm -rf')), 'the gate only ever saw the harmless version');
    });
  }

  it('OpenAI Responses: a call that appears only in the final snapshot is decided too (and blocked here)', async () => {
    upstream.respond(
      sseResponder([
        event('response.created', { response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] } }),
        event('response.completed', { response: { id: 'resp_1', object: 'response', status: 'completed', output: [fnItem('{"cmd":"rm -rf /"}')] } }),
      ]),
    );
    const answer = await post(gw.url, RESPONSES.path(true), RESPONSES.body(true));
    assert.deepEqual(gate.seen.map((c) => c.params), [{ cmd: 'rm -rf /' }]);
    assert.ok(!answer.text.includes('rm -rf'), answer.text);
    assert.equal((await gw.exchange(1)).toolDecisions[0]?.outcome, 'blocked');
  });

  it('well-formed streams of every format are not affected: every call is decided once and arrives unchanged', async () => {
    for (const format of FORMATS) {
      upstream.respond(sseResponder(format.frames()));
      const answer = await post(gw.url, format.path(true), format.body(true));
      assert.equal(answer.status, 200, `${format.name}: ${answer.text.slice(0, 200)}`);
      assert.equal(answer.text, format.frames().join(''), `${format.name}: relayed unchanged`);
    }
    assert.ok(gate.seen.length >= FORMATS.length);
  });
});
