import assert from 'node:assert/strict';
import { OpenAiResponsesStreamAssembler, type StrippedCall, openAiResponsesFormat, strippedCallNote } from '@tollgate/core/formats';
import { chunksToSse, readChunkLines, readFixture } from '@tollgate/testing';
import { type Fed, callsOf, chunkObjects, feed, wireOf } from './support.js';

const F = 'openai-responses' as const;

function run(wire: Buffer): Fed {
  return feed(new OpenAiResponsesStreamAssembler(), [wire]);
}

/** The four responses of the agent-loop capture, each as its own wire stream. */
function agentLoopResponses(): Buffer[] {
  const lines = readChunkLines(F, 'openai-reasoning-encrypted-content.1.chunks.txt');
  const groups: string[][] = [];
  for (const line of lines) {
    if ((JSON.parse(line) as { type: string }).type === 'response.created') groups.push([]);
    groups.at(-1)!.push(line);
  }
  return groups.map((g) => Buffer.from(chunksToSse(F, g).join('')));
}

function completedResponse(objects: Record<string, unknown>[]): unknown {
  return objects.find((o) => o.type === 'response.completed')?.response;
}

function outputText(body: any): string {
  return body.output.filter((i: any) => i.type === 'message').flatMap((i: any) => i.content.map((c: any) => c.text)).join('');
}

describe('OpenAI Responses stream assembler (fixtures)', () => {
  it('issue-11239.2: plain text; the reassembled body equals response.completed', () => {
    const fed = run(wireOf(F, 'openai-issue-11239.2.chunks.txt'));
    const r = fed.assembler.result();
    assert.deepEqual(r.body, completedResponse(chunkObjects(F, 'openai-issue-11239.2.chunks.txt')));
    assert.equal(outputText(r.body), 'Verification code for issue-11239 is blue-42.');
    assert.deepEqual(r.toolCalls, []);
    assert.deepEqual([r.usage.inputTokens, r.usage.outputTokens, r.usage.totalTokens], [146, 16, 162]);
    assert.ok(fed.infos.every((i) => i.ordered && i.calls === undefined));
  });

  it('issue-11239.1: a call after an encrypted reasoning item, args in 8 deltas', () => {
    const fed = run(wireOf(F, 'openai-issue-11239.1.chunks.txt'));
    const r = fed.assembler.result();
    assert.deepEqual(r.body, completedResponse(chunkObjects(F, 'openai-issue-11239.1.chunks.txt')));
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'call_wMUhph1s1bedjPJraJvGw62X', name: 'lookupVerificationCode', params: { label: 'issue-11239' } }]);
    assert.deepEqual([r.usage.inputTokens, r.usage.outputTokens, r.usage.totalTokens, r.usage.reasoningTokens], [84, 39, 123, 15]);
    const key = 'fc_017eebd5643f46d6016a4b35e00698819b8e15db8d3200f1b8';
    const carrying = fed.events.filter((_e, i) => fed.infos[i]?.calls?.includes(key)).map((e) => e.event);
    assert.deepEqual(carrying, [
      'response.output_item.added',
      ...Array(8).fill('response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
    ]);
    const completedAt = fed.infos.findIndex((i) => i.completes !== undefined && i.completes.length > 0);
    assert.equal(fed.events[completedAt]?.event, 'response.function_call_arguments.done');
    assert.equal(fed.completed.length, 1);
  });

  it('reasoning-encrypted-content: four responses of an agent loop, one at a time', () => {
    const expected = [
      { calls: [{ id: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn', name: 'calculator', params: { a: 12, b: 7, op: 'add' } }], usage: [134, 28] },
      { calls: [{ id: 'call_Q6pW65MUgW9vF59BmItYGos3', name: 'calculator', params: { a: 19, b: 3, op: 'multiply' } }], usage: [221, 26] },
      { calls: [{ id: 'call_Zl5vIMnD7dVAjgU6FkhmiCZh', name: 'calculator', params: { a: 57, b: 10, op: 'multiply' } }], usage: [260, 26] },
      { calls: [], usage: [299, 12] },
    ];
    const wires = agentLoopResponses();
    assert.equal(wires.length, 4);
    const bodies = wires.map((wire, i) => {
      const r = run(wire).assembler.result();
      assert.deepEqual(callsOf(r.toolCalls), expected[i]!.calls, `response ${i + 1}`);
      assert.deepEqual([r.usage.inputTokens, r.usage.outputTokens], expected[i]!.usage, `response ${i + 1}`);
      return r.body as any;
    });
    const summary = bodies[0].output[0].summary.map((s: any) => s.text).join('');
    assert.equal(summary.length, 163);
    assert.ok(summary.startsWith('**Calculating step-by-step using calculator**'));
    assert.equal(outputText(bodies[3]), 'The final result is **570**.');
  });

  it('reassembles reasoning summaries and text from deltas alone when no done events arrive', () => {
    const [first] = agentLoopResponses();
    const objects = first!.toString('utf8').split('\n\n').filter((f) => f.trim() !== '').map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)));
    const kept = objects.filter((o) => !['response.output_item.done', 'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.completed'].includes(o.type));
    const r = run(Buffer.from(chunksToSse(F, kept.map((o) => JSON.stringify(o))).join(''))).assembler.result();
    const body = r.body as any;
    assert.equal(body.output[0].summary.map((s: any) => s.text).join('').length, 163);
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn', name: 'calculator', params: { a: 12, b: 7, op: 'add' } }]);
    assert.equal(body.output[1].arguments, '{"a":12,"b":7,"op":"add"}');
  });

  it('openai-error: an in-stream error, then response.failed', () => {
    const fed = run(wireOf(F, 'openai-error.1.chunks.txt'));
    const r = fed.assembler.result();
    const body = r.body as any;
    assert.equal(body.status, 'failed');
    assert.equal(body.error.code, 'insufficient_quota');
    assert.deepEqual(r.toolCalls, []);
    assert.equal(r.usage.totalTokens, 0);
  });

  it('issue-7082 JSON: a non-streaming function call after reasoning', () => {
    const json = JSON.parse(readFixture(F, 'issue-7082-o3-optional-tool-parameters.json').toString('utf8'));
    const info = openAiResponsesFormat.readResponse(json);
    assert.deepEqual(callsOf(info.toolCalls), [{ id: 'call_TXveU5dZ1lW6uhMbjhUIE9Gq', name: 'semantic_scholar_search', params: { query: 'machine learning', limit: 10, offset: 0, year: 0 } }]);
    assert.deepEqual([info.usage.inputTokens, info.usage.outputTokens, info.usage.totalTokens, info.usage.reasoningTokens], [114, 284, 398, 192]);
  });

  it('tolerates a trailing data: [DONE] frame', () => {
    const wire = Buffer.concat([wireOf(F, 'openai-issue-11239.1.chunks.txt'), Buffer.from('data: [DONE]\n\n')]);
    const r = run(wire).assembler.result();
    assert.equal(r.toolCalls.length, 1);
    assert.equal((r.body as any).status, 'completed');
  });
});

describe('OpenAI Responses stream rewriting (strip)', () => {
  it('replaces a stripped function_call item by an assistant message at the same output_index, renumbering sequence numbers', () => {
    const fed = run(wireOf(F, 'openai-issue-11239.1.chunks.txt'));
    const [call] = fed.assembler.result().toolCalls;
    const key = 'fc_017eebd5643f46d6016a4b35e00698819b8e15db8d3200f1b8';
    const stripped = new Map<string, StrippedCall>([[key, { call: call!, message: 'no lookups' }]]);
    const out = fed.events.flatMap((e) => fed.assembler.rewrite(e, stripped));
    const data = out.map((e) => JSON.parse(e.data));
    for (const [i, e] of out.entries()) assert.equal(e.event, data[i].type);
    assert.deepEqual(data.map((d) => d.sequence_number), data.map((_d, i) => i), 'sequence numbers stay consecutive');
    assert.ok(!data.some((d) => String(d.type).startsWith('response.function_call_arguments')));
    const again = run(Buffer.from(out.map((e) => e.raw).join('')));
    const r = again.assembler.result();
    const body = r.body as any;
    const note = strippedCallNote('lookupVerificationCode', 'no lookups');
    assert.deepEqual(body.output.map((i: any) => i.type), ['reasoning', 'message']);
    assert.equal(outputText(body), note);
    assert.deepEqual(r.toolCalls, []);
    const completed = data.find((d) => d.type === 'response.completed');
    assert.deepEqual(completed.response.output[1], { id: `msg_tollgate_${key}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: note }] });
    assert.deepEqual(body, completed.response, 'the rewritten stream is self-consistent');
  });

  it('strips a non-streaming body in place', () => {
    const json = JSON.parse(readFixture(F, 'issue-7082-o3-optional-tool-parameters.json').toString('utf8'));
    const [call] = openAiResponsesFormat.readResponse(json).toolCalls;
    const out = openAiResponsesFormat.stripToolCalls(json, [{ call: call!, message: 'denied' }]) as any;
    assert.deepEqual(out.output.map((i: any) => i.type), ['reasoning', 'message']);
    assert.equal(out.output[1].content[0].text, strippedCallNote('semantic_scholar_search', 'denied'));
    assert.deepEqual(openAiResponsesFormat.readResponse(out).toolCalls, []);
  });
});

describe('OpenAI Responses stream assembler (derived variants)', () => {
  /** issue-11239.1 with a second, argument-less call at output_index 2 (parallel calls; no capture has them). */
  function withSecondCall(): Buffer {
    const objects = chunkObjects(F, 'openai-issue-11239.1.chunks.txt') as any[];
    const completed = objects.pop();
    const item = { id: 'fc_second', type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_second', name: 'listCodes' };
    const extra = [
      { type: 'response.output_item.added', item, output_index: 2 },
      { type: 'response.function_call_arguments.done', arguments: '', item_id: 'fc_second', output_index: 2 },
      { type: 'response.output_item.done', item: { ...item, status: 'completed' }, output_index: 2 },
    ];
    completed.response.output.push({ ...item, status: 'completed' });
    const all = [...objects, ...extra, completed].map((o, i) => ({ ...o, sequence_number: i }));
    return Buffer.from(chunksToSse(F, all.map((o) => JSON.stringify(o))).join(''));
  }

  it('two calls in one response, the second without arguments', () => {
    const fed = run(withSecondCall());
    const r = fed.assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [
      { id: 'call_wMUhph1s1bedjPJraJvGw62X', name: 'lookupVerificationCode', params: { label: 'issue-11239' } },
      { id: 'call_second', name: 'listCodes', params: {} },
    ]);
    assert.deepEqual(fed.completed.map((c) => c.key), ['fc_017eebd5643f46d6016a4b35e00698819b8e15db8d3200f1b8', 'fc_second']);
  });

  it('stripping the first of two calls keeps the second at its output_index', () => {
    const fed = run(withSecondCall());
    const [first] = fed.assembler.result().toolCalls;
    const out = fed.events.flatMap((e) => fed.assembler.rewrite(e, new Map([['fc_017eebd5643f46d6016a4b35e00698819b8e15db8d3200f1b8', { call: first!, message: 'no' }]])));
    const r = run(Buffer.from(out.map((e) => e.raw).join(''))).assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'call_second', name: 'listCodes', params: {} }]);
    assert.deepEqual((r.body as any).output.map((i: any) => i.type), ['reasoning', 'message', 'function_call']);
    const added = out.map((e) => JSON.parse(e.data)).filter((d) => d.type === 'response.output_item.added');
    assert.deepEqual(added.map((d) => [d.output_index, d.item.type]), [[0, 'reasoning'], [1, 'message'], [2, 'function_call']]);
  });

  it('custom tool calls (free-form input) and Codex local shell calls are tool calls too', () => {
    const body = {
      output: [
        { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_patch', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
        { type: 'local_shell_call', id: 'lsh_1', call_id: 'call_shell', status: 'completed', action: { type: 'exec', command: ['ls', '-la'] } },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
      ],
    };
    assert.deepEqual(callsOf(openAiResponsesFormat.readResponse(body).toolCalls), [
      { id: 'call_patch', name: 'apply_patch', params: { input: '*** Begin Patch\n*** End Patch' } },
      { id: 'call_shell', name: 'local_shell', params: { type: 'exec', command: ['ls', '-la'] } },
    ]);
  });
});
