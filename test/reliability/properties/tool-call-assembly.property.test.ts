import assert from 'node:assert/strict';
import {
  AnthropicMessagesStreamAssembler,
  type CompletedCall,
  GeminiStreamAssembler,
  OpenAiResponsesStreamAssembler,
  SseFramer,
  type StreamAssembler,
  openAiChatFormat,
} from '@tollgate/core/formats';
import fc from 'fast-check';
import { fragments } from '../support/fragments.js';

/** A tool call to stream: its name and arguments (as they read after a JSON round trip). */
interface GenCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** Cut points inside the argument text (code units), where fragments end. */
  readonly cuts: readonly number[];
}

const toolName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);
/** Any JSON object, canonical (what JSON.parse gives back). */
const jsonArgs = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
const genCall = (args: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<GenCall> => fc.record({ name: toolName, args, cuts: fc.array(fc.nat(), { maxLength: 12 }) });

/** Cuts bytes at arbitrary offsets. */
function splitBytes(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  return out;
}

/** Feeds SSE bytes in `chunks` through a framer and `assembler`; returns calls completed and the result. */
function assemble(assembler: StreamAssembler, chunks: readonly Buffer[]): { completed: CompletedCall[]; calls: Array<{ name: string; params: unknown }> } {
  const framer = new SseFramer();
  const completed: CompletedCall[] = [];
  for (const chunk of chunks) for (const ev of framer.push(chunk)) completed.push(...(assembler.push(ev).completes ?? []));
  for (const ev of framer.end()) completed.push(...(assembler.push(ev).completes ?? []));
  completed.push(...assembler.end());
  return { completed, calls: assembler.result().toolCalls.map((c) => ({ name: c.name, params: c.params })) };
}

const sse = (data: unknown, event?: string): string => `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

function openAiChatWire(calls: readonly GenCall[]): string {
  const chunk = (delta: unknown, finish: string | null = null): string => sse({ id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [chunk({ role: 'assistant', content: null })];
  calls.forEach((c, i) => {
    fragments(JSON.stringify(c.args), c.cuts).forEach((frag, j) => {
      frames.push(chunk({ tool_calls: [j === 0 ? { index: i, id: `call_${i}`, type: 'function', function: { name: c.name, arguments: frag } } : { index: i, function: { arguments: frag } }] }));
    });
  });
  frames.push(chunk({}, 'tool_calls'), sse({ id: 'chatcmpl-p', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }), 'data: [DONE]\n\n');
  return frames.join('');
}

function anthropicWire(calls: readonly GenCall[]): string {
  const ev = (type: string, data: Record<string, unknown>): string => sse({ type, ...data }, type);
  const frames = [ev('message_start', { message: { id: 'msg_p', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } } })];
  calls.forEach((c, i) => {
    frames.push(ev('content_block_start', { index: i, content_block: { type: 'tool_use', id: `toolu_${i}`, name: c.name, input: {} } }));
    // An object without keys may also come as no fragment text at all: "" means {}.
    const text = Object.keys(c.args).length === 0 && c.cuts.length % 2 === 1 ? '' : JSON.stringify(c.args);
    for (const frag of fragments(text, c.cuts)) frames.push(ev('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: frag } }));
    frames.push(ev('content_block_stop', { index: i }));
  });
  frames.push(ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }), ev('message_stop', {}));
  return frames.join('');
}

function responsesWire(calls: readonly GenCall[], withDone: boolean): string {
  const ev = (type: string, data: Record<string, unknown>): string => sse({ type, ...data }, type);
  const item = (c: GenCall, i: number, args: string, status: string) => ({ type: 'function_call', id: `fc_${i}`, call_id: `call_${i}`, name: c.name, arguments: args, status });
  const frames = [ev('response.created', { response: { id: 'resp_p', object: 'response', status: 'in_progress', output: [] } })];
  calls.forEach((c, i) => {
    const text = JSON.stringify(c.args);
    frames.push(ev('response.output_item.added', { output_index: i, item: item(c, i, '', 'in_progress') }));
    for (const frag of fragments(text, c.cuts)) frames.push(ev('response.function_call_arguments.delta', { item_id: `fc_${i}`, output_index: i, delta: frag }));
    if (withDone) {
      frames.push(ev('response.function_call_arguments.done', { item_id: `fc_${i}`, output_index: i, arguments: text }));
      frames.push(ev('response.output_item.done', { output_index: i, item: item(c, i, text, 'completed') }));
    }
  });
  const output = withDone ? calls.map((c, i) => item(c, i, JSON.stringify(c.args), 'completed')) : [];
  frames.push(ev('response.completed', { response: { id: 'resp_p', object: 'response', status: 'completed', output, usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } } }));
  return frames.join('');
}

// --- Gemini (Vertex AI streamed arguments) ---------------------------------------------------

/** Object keys a `partialArgs` path can carry (no line breaks; not the keys refused as prototype pollution). */
const geminiKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((k) => !/[\r\n\u2028\u2029]/.test(k) && !['__proto__', 'constructor', 'prototype'].includes(k));
const geminiLeaf = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
const { geminiValue } = fc.letrec<{ geminiValue: unknown; geminiObject: Record<string, unknown> }>((tie) => ({
  geminiValue: fc.oneof({ depthSize: 'small', withCrossShrink: true }, geminiLeaf, tie('geminiObject'), fc.array(tie('geminiValue'), { minLength: 1, maxLength: 3 })),
  geminiObject: fc.dictionary(geminiKey, tie('geminiValue'), { minKeys: 1, maxKeys: 4 }),
}));
const geminiArgs = fc.dictionary(geminiKey, geminiValue, { minKeys: 1, maxKeys: 5 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

function pathSegment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `['${key.replace(/[\\']/g, '\\$&')}']`;
}

/** The `partialArgs` entries that build `value` at `path`, strings cut into fragments. */
function partialArgs(value: unknown, path: string, cuts: readonly number[], out: Array<Record<string, unknown>>): void {
  if (Array.isArray(value)) value.forEach((v, i) => partialArgs(v, path + pathSegment(i), cuts, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) partialArgs(v, path + pathSegment(k), cuts, out);
  else if (typeof value === 'string') {
    const parts = fragments(value, cuts.slice(0, 3));
    parts.forEach((p) => out.push({ jsonPath: path, stringValue: p, willContinue: true }));
    out.push({ jsonPath: path, stringValue: '' });
  } else if (typeof value === 'number') out.push({ jsonPath: path, numberValue: value });
  else if (typeof value === 'boolean') out.push({ jsonPath: path, boolValue: value });
  else out.push({ jsonPath: path, nullValue: 'NULL_VALUE' });
}

function geminiWire(calls: readonly GenCall[], complete: readonly boolean[]): string {
  const chunk = (part: Record<string, unknown>, finish?: string): string =>
    sse({ candidates: [{ content: { role: 'model', parts: [part] }, index: 0, ...(finish === undefined ? {} : { finishReason: finish }) }], responseId: 'resp-p' });
  const frames: string[] = [];
  calls.forEach((c, i) => {
    if (complete[i]) {
      frames.push(chunk({ functionCall: { name: c.name, args: c.args } }));
      return;
    }
    const entries: Array<Record<string, unknown>> = [];
    partialArgs(c.args, '$', c.cuts, entries);
    frames.push(chunk({ functionCall: { name: c.name, willContinue: true } }));
    // Spread the entries over chunks (sizes from the cuts), with bare keep-alives between.
    let at = 0;
    let k = 0;
    while (at < entries.length) {
      const size = 1 + ((c.cuts[k++] ?? 0) % 3);
      frames.push(chunk({ functionCall: { partialArgs: entries.slice(at, at + size), willContinue: true } }));
      if (k % 2 === 0) frames.push(chunk({ functionCall: { willContinue: true } }));
      at += size;
    }
    frames.push(chunk({ functionCall: {} }));
  });
  frames.push(chunk({ text: '' }, 'STOP'));
  return frames.join('');
}

/** Checks one format: assembled calls equal the generated ones, each completed once with its final arguments. */
function check(create: () => StreamAssembler, wire: string, calls: readonly GenCall[], byteCuts: readonly number[]): void {
  const bytes = Buffer.from(wire, 'utf8');
  const want = calls.map((c) => ({ name: c.name, params: c.args }));
  const whole = assemble(create(), [bytes]);
  assert.deepEqual(whole.calls, want);
  assert.deepEqual(
    whole.completed.map((c) => ({ name: c.call.name, params: c.call.params })),
    want,
    'each call is handed to onToolCall once, with its final arguments',
  );
  assert.equal(new Set(whole.completed.map((c) => c.key)).size, calls.length);
  const split = assemble(create(), splitBytes(bytes, byteCuts));
  assert.deepEqual(split, whole, 'any split of the bytes gives the same result');
}

const byteCuts = fc.array(fc.nat(), { maxLength: 40 });
const RUNS = { numRuns: 150 };

describe('properties: tool-call argument assembly (any fragmentation, any byte split)', () => {
  it('OpenAI chat: parallel calls with arguments in any fragments', () => {
    fc.assert(
      fc.property(fc.array(genCall(jsonArgs), { minLength: 1, maxLength: 4 }), byteCuts, (calls, cuts) => check(() => openAiChatFormat.createStreamAssembler(), openAiChatWire(calls), calls, cuts)),
      RUNS,
    );
  });

  it('Anthropic Messages: tool_use blocks with input_json_delta in any fragments ("" is {})', () => {
    fc.assert(
      fc.property(fc.array(genCall(jsonArgs), { minLength: 1, maxLength: 4 }), byteCuts, (calls, cuts) => check(() => new AnthropicMessagesStreamAssembler(), anthropicWire(calls), calls, cuts)),
      RUNS,
    );
  });

  it('OpenAI Responses: function_call deltas in any fragments, with or without the done events and final snapshot', () => {
    fc.assert(
      fc.property(fc.array(genCall(jsonArgs), { minLength: 1, maxLength: 4 }), fc.boolean(), byteCuts, (calls, withDone, cuts) =>
        check(() => new OpenAiResponsesStreamAssembler(), responsesWire(calls, withDone), calls, cuts),
      ),
      RUNS,
    );
  });

  it('Gemini: complete calls and Vertex partialArgs (nested paths, quoted keys, string fragments, keep-alives)', () => {
    fc.assert(
      fc.property(
        fc.array(genCall(geminiArgs), { minLength: 1, maxLength: 3 }).chain((calls) => fc.tuple(fc.constant(calls), fc.array(fc.boolean(), { minLength: calls.length, maxLength: calls.length }))),
        byteCuts,
        ([calls, complete], cuts) => check(() => new GeminiStreamAssembler(), geminiWire(calls, complete), calls, cuts),
      ),
      RUNS,
    );
  });
});
