import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import type { FakeUpstream, TestGateway } from '@tollgate/testing';
import fc from 'fast-check';
import { type FormatCase, providersFor } from '../support/formats.js';
import { STRIPPED_PREFIX, readWithSdk, recordingPolicy, undecidedCalls } from '../support/differential.js';
import { fragments } from '../support/fragments.js';
import { useGuard } from '../support/guard.js';
import { type Framing, type WireEvent, cutBytes, frame, framing, spell } from '../support/wire.js';

/**
 * The differential property of the gate, per API format: generated upstream answers (streams
 * with canonical and hostile framing, adversarial call identity and JSON spelling; non-streamed
 * bodies with adversarial spelling and content types) go through the gateway over real HTTP to
 * the official SDK (`openai`, `@anthropic-ai/sdk`, `@google/genai`). Every tool call the SDK
 * assembles must have been decided by `onToolCall` with the same kind, name and params, and
 * allowed; otherwise the answer must have been refused. A fixed seed list always runs, plus two
 * fresh seeds per run; every seed is printed so that a failure reproduces
 * (`TOLLGATE_PROPERTY_SEED=<seed>` runs only that one).
 */

const FIXED_SEEDS = [1, 7, 42, 1337, 20261207];
const RUNS_PER_SEED = 12;

function seeds(): number[] {
  const only = process.env.TOLLGATE_PROPERTY_SEED;
  if (only !== undefined && only !== '') return [Number(only)];
  return [...FIXED_SEEDS, Date.now() % 2 ** 31, Math.floor(Math.random() * 2 ** 31)];
}

/** One generated upstream answer. */
interface Wire {
  readonly contentType: string;
  readonly text: string;
  readonly cuts: readonly number[];
  /** What was done to it (printed with a counterexample). */
  readonly tricks: readonly string[];
}

const NAMES = ['bash', 'read_file', `${STRIPPED_PREFIX}rm`, 'search'];
const args: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fc.constantFrom('command', 'path', 'q', 'n', 'rm'), fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('rm -rf /', 'é\u2028"\\'), fc.integer(), fc.boolean()), { maxKeys: 3 });
const call = fc.record({ name: fc.constantFrom(...NAMES), args, cuts: fc.array(fc.nat(), { maxLength: 3 }) });
type GenCall = { name: string; args: Record<string, unknown>; cuts: number[] };

function streamWire(events: readonly WireEvent[], f: Framing, tricks: readonly string[]): Wire {
  const t = [...tricks];
  for (const k of ['bom', 'eol', 'space', 'indent', 'comments', 'splitData', 'bareLines'] as const) {
    const v = f[k];
    if (v !== false && v !== 'none' && v !== '\n' && v !== true) t.push(`${k}=${JSON.stringify(v)}`);
  }
  return { contentType: 'text/event-stream', text: frame(events, f), cuts: f.cuts, tricks: t };
}

/** A subset of named tricks, each applied with some probability. */
function tricks<T extends string>(...names: T[]): fc.Arbitrary<Set<T>> {
  return fc.subarray(names, { maxLength: 2 }).map((a) => new Set(a));
}

// ---- OpenAI Chat Completions -------------------------------------------------------------

const CHAT_TRICKS = ['nameSplit', 'decoy', 'indexReuse', 'noIndex', 'choiceMessage', 'escapedKey', 'duplicateAfter', 'argsAfterFinish', 'afterDone'] as const;

function chatChunk(choice: Record<string, unknown>, how?: Parameters<typeof spell>[1]): WireEvent {
  return { data: spell({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, ...choice }] }, how) };
}

const chatStream: fc.Arbitrary<Wire> = fc.tuple(fc.array(call, { maxLength: 3 }), fc.string({ maxLength: 10 }), tricks(...CHAT_TRICKS), framing).map(([calls, text, t, f]) => {
  const delta = (d: Record<string, unknown>, finish: string | null = null, how?: Parameters<typeof spell>[1]): WireEvent => chatChunk({ delta: d, finish_reason: finish }, how);
  const events: WireEvent[] = [delta({ role: 'assistant', content: text })];
  (calls as GenCall[]).forEach((c, i) => {
    const index = t.has('indexReuse') && i > 0 ? 0 : i;
    const parts = fragments(JSON.stringify(c.args), c.cuts);
    const split = t.has('nameSplit') && c.name.length > 2 ? [c.name.slice(0, 2), c.name.slice(2)] : [c.name];
    parts.forEach((p, j) => {
      const fn: Record<string, unknown> = { arguments: p };
      if (j === 0) fn.name = split[0];
      if (j === 1 && split[1] !== undefined) fn.name = split[1];
      const tc: Record<string, unknown> = j === 0 ? { index, id: `call_${i}`, type: 'function', function: fn } : { index, function: fn };
      if (t.has('noIndex') && j > 0) delete tc.index;
      events.push(delta({ tool_calls: [tc] }, null, t.has('escapedKey') ? { escapeKey: 'tool_calls' } : undefined));
    });
    if (split[1] !== undefined && parts.length === 1) events.push(delta({ tool_calls: [{ index, function: { name: split[1], arguments: '' } }] }));
    if (t.has('decoy')) events.push(delta({ tool_calls: [{ index, function: { name: 'search', arguments: '' } }] }));
  });
  if (t.has('choiceMessage')) events.push(chatChunk({ delta: {}, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_evil', type: 'function', function: { name: 'evil', arguments: '{}' } }] } }));
  if (t.has('duplicateAfter')) events.push(delta({ content: 'x' }, null, { duplicate: { key: 'choices', value: [{ index: 0, delta: { tool_calls: [{ index: 7, id: 'call_dup', type: 'function', function: { name: 'evil', arguments: '{}' } }] } }], after: true } }));
  events.push(delta({}, calls.length > 0 ? 'tool_calls' : 'stop'));
  if (t.has('argsAfterFinish') && calls.length > 0) events.push(delta({ tool_calls: [{ index: 0, function: { arguments: ' ' } }] }));
  events.push({ data: '[DONE]' });
  if (t.has('afterDone')) events.push(delta({ tool_calls: [{ index: 9, id: 'call_late', type: 'function', function: { name: 'evil', arguments: '{}' } }] }, 'tool_calls'));
  return streamWire(events, f, [...t]);
});

const chatBody: fc.Arbitrary<Wire> = fc.tuple(fc.array(call, { maxLength: 3 }), fc.boolean(), tricks('escapedKey', 'duplicateAfter', 'custom', 'noId', 'sseType')).map(([calls, withText, t]) => {
  const toolCalls: unknown[] = (calls as GenCall[]).map((c, i) => ({ ...(t.has('noId') && i === 0 ? {} : { id: `call_${i}` }), type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  if (t.has('custom')) toolCalls.push({ id: 'call_c', type: 'custom', custom: { name: 'patch', input: 'free text' } });
  const message = { role: 'assistant', content: withText ? 'Sure.' : null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  const body = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }] };
  const evil = [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_dup', type: 'function', function: { name: 'evil', arguments: '{}' } }] }, finish_reason: 'tool_calls' }];
  const text = spell(body, { escapeKey: t.has('escapedKey') ? 'tool_calls' : undefined, duplicate: t.has('duplicateAfter') ? { key: 'choices', value: evil, after: true } : undefined });
  return { contentType: t.has('sseType') ? 'application/json; profile="text/event-stream"' : 'application/json', text, cuts: [], tricks: [...t] };
});

// ---- OpenAI Responses ----------------------------------------------------------------------

const RESPONSES_TRICKS = ['indexShift', 'itemIdMismatch', 'inProgressCall', 'completedExtra', 'completedReorder', 'doneDiffers', 'nameMismatch', 'createdCall', 'escapedKey'] as const;
type ItemSpec = { kind: 'message'; text: string } | { kind: 'function_call' | 'custom_tool_call' | 'local_shell_call' | 'mcp_approval_request'; c: GenCall };

const itemSpec: fc.Arbitrary<ItemSpec> = fc.oneof(
  fc.record({ kind: fc.constant('message' as const), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constantFrom('function_call' as const, 'custom_tool_call' as const, 'local_shell_call' as const, 'mcp_approval_request' as const), c: call }),
);

function finalItem(spec: ItemSpec, i: number): Record<string, unknown> {
  switch (spec.kind) {
    case 'message':
      return { id: `msg_${i}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: spec.text, annotations: [] }] };
    case 'function_call':
      return { id: `fc_${i}`, type: 'function_call', status: 'completed', call_id: `call_${i}`, name: spec.c.name, arguments: JSON.stringify(spec.c.args) };
    case 'custom_tool_call':
      return { id: `ctc_${i}`, type: 'custom_tool_call', status: 'completed', call_id: `call_${i}`, name: spec.c.name, input: JSON.stringify(spec.c.args) };
    case 'local_shell_call':
      return { id: `lsh_${i}`, type: 'local_shell_call', status: 'completed', call_id: `call_${i}`, action: { type: 'exec', command: ['sh', '-c', String(spec.c.args.command ?? 'ls')], env: {} } };
    case 'mcp_approval_request':
      return { id: `mcpr_${i}`, type: 'mcp_approval_request', server_label: 'srv', name: spec.c.name, arguments: JSON.stringify(spec.c.args) };
  }
}

function startedItem(item: Record<string, unknown>): Record<string, unknown> {
  const started: Record<string, unknown> = { ...item, status: 'in_progress' };
  if (item.type === 'function_call') started.arguments = '';
  if (item.type === 'custom_tool_call') started.input = '';
  if (item.type === 'message') started.content = [];
  return started;
}

const EVIL_ITEM = { id: 'fc_evil', type: 'function_call', status: 'completed', call_id: 'call_evil', name: 'evil', arguments: '{}' };

const responsesStream: fc.Arbitrary<Wire> = fc.tuple(fc.array(itemSpec, { maxLength: 3 }), tricks(...RESPONSES_TRICKS), framing).map(([specs, t, f]) => {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>, how?: Parameters<typeof spell>[1]): WireEvent => ({ event: t.has('nameMismatch') && type === 'response.output_item.added' ? 'response.in_progress' : type, data: spell({ type, sequence_number: seq++, ...data }, how) });
  const base = { id: 'resp_1', object: 'response', created_at: 1, model: 'gpt-5', status: 'in_progress' };
  const items = specs.map((s, i) => finalItem(s, i));
  const events: WireEvent[] = [ev('response.created', { response: { ...base, output: t.has('createdCall') ? [EVIL_ITEM] : [] } })];
  if (t.has('inProgressCall')) events.push(ev('response.in_progress', { response: { ...base, output: [EVIL_ITEM] } }));
  items.forEach((item, i) => {
    const outputIndex = t.has('indexShift') && i === 0 ? 1 : i;
    const itemId = t.has('itemIdMismatch') && i === 1 ? String(items[0]?.id) : String(item.id);
    events.push(ev('response.output_item.added', { output_index: outputIndex, item: startedItem(item) }, t.has('escapedKey') ? { escapeKey: 'item' } : undefined));
    if (item.type === 'function_call') {
      for (const part of fragments(String(item.arguments), (specs[i] as { c: GenCall }).c.cuts)) events.push(ev('response.function_call_arguments.delta', { item_id: itemId, output_index: i, delta: part }));
      events.push(ev('response.function_call_arguments.done', { item_id: itemId, output_index: i, arguments: item.arguments }));
    }
    if (item.type === 'custom_tool_call') events.push(ev('response.custom_tool_call_input.done', { item_id: itemId, output_index: i, input: item.input }));
    const done = t.has('doneDiffers') && item.type === 'function_call' ? { ...item, arguments: '{"command":"rm -rf /"}' } : item;
    events.push(ev('response.output_item.done', { output_index: i, item: done }));
  });
  let output = [...items];
  if (t.has('completedExtra')) output.push(EVIL_ITEM);
  if (t.has('completedReorder') && output.length > 1) output = [...output].reverse();
  events.push(ev('response.completed', { response: { ...base, status: 'completed', output } }));
  return streamWire(events, f, [...t]);
});

const responsesBody: fc.Arbitrary<Wire> = fc.tuple(fc.array(itemSpec, { maxLength: 3 }), tricks('escapedKey', 'duplicateAfter', 'unknownItem', 'sseType')).map(([specs, t]) => {
  const output: unknown[] = specs.map((s, i) => finalItem(s, i));
  if (t.has('unknownItem')) output.push({ id: 'x_1', type: 'future_call', name: 'evil', arguments: '{}' });
  const body = { id: 'resp_1', object: 'response', created_at: 1, model: 'gpt-5', status: 'completed', output };
  const text = spell(body, { escapeKey: t.has('escapedKey') ? 'output' : undefined, duplicate: t.has('duplicateAfter') ? { key: 'output', value: [EVIL_ITEM], after: true } : undefined });
  return { contentType: t.has('sseType') ? 'text/event-stream' : 'application/json', text, cuts: [], tricks: [...t] };
});

// ---- Anthropic Messages --------------------------------------------------------------------

const ANTHROPIC_TRICKS = ['startIndex', 'startContent', 'noEventName', 'pingName', 'unterminated', 'escapes', 'negativeIndex', 'duplicateType', 'afterStop'] as const;

const anthropicStream: fc.Arbitrary<Wire> = fc.tuple(fc.array(fc.oneof(call, fc.string({ maxLength: 8 })), { maxLength: 3 }), tricks(...ANTHROPIC_TRICKS), framing).map(([blocks, t, f]) => {
  const ev = (type: string, data: Record<string, unknown>, how?: Parameters<typeof spell>[1]): WireEvent => ({ event: type, data: spell({ type, ...data }, how) });
  const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: t.has('startContent') ? [{ type: 'tool_use', id: 'toolu_evil', name: 'evil', input: {} }] : [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
  const events: WireEvent[] = [ev('message_start', { message })];
  let tools = 0;
  blocks.forEach((b, i) => {
    if (typeof b === 'string') {
      events.push(ev('content_block_start', { index: i, content_block: { type: 'text', text: '' } }));
      events.push(ev('content_block_delta', { index: i, delta: { type: 'text_delta', text: b } }));
    } else {
      tools++;
      const c = b as GenCall;
      const start = ev('content_block_start', { index: t.has('startIndex') && i === 0 ? 3 : i, content_block: { type: 'tool_use', id: `toolu_${i}`, name: c.name, input: {} } });
      events.push(t.has('noEventName') ? { data: start.data } : t.has('pingName') ? { event: 'ping', data: start.data } : start);
      let json = JSON.stringify(c.args);
      if (t.has('escapes')) json = json.replace(/rm/g, '\\u0072m');
      if (t.has('unterminated')) json = json.slice(0, -1);
      for (const part of fragments(json, c.cuts)) events.push(ev('content_block_delta', { index: t.has('negativeIndex') ? -1 : i, delta: { type: 'input_json_delta', partial_json: part } }, t.has('duplicateType') ? { duplicate: { key: 'type', value: 'ping', after: false } } : undefined));
    }
    events.push(ev('content_block_stop', { index: i }));
  });
  events.push(ev('message_delta', { delta: { stop_reason: tools > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }));
  events.push(ev('message_stop', {}));
  if (t.has('afterStop')) events.push(ev('content_block_start', { index: blocks.length, content_block: { type: 'tool_use', id: 'toolu_late', name: 'evil', input: {} } }));
  return streamWire(events, f, [...t]);
});

const anthropicBody: fc.Arbitrary<Wire> = fc.tuple(fc.array(fc.oneof(call, fc.string({ maxLength: 8 })), { maxLength: 3 }), tricks('escapedKey', 'duplicateAfter', 'unknownBlock', 'stringInput', 'sseType')).map(([blocks, t]) => {
  const content: unknown[] = blocks.map((b, i) => (typeof b === 'string' ? { type: 'text', text: b } : { type: 'tool_use', id: `toolu_${i}`, name: (b as GenCall).name, input: t.has('stringInput') ? JSON.stringify((b as GenCall).args) : (b as GenCall).args }));
  if (t.has('unknownBlock')) content.push({ type: 'future_tool_use', id: 'x', name: 'evil', input: {} });
  const body = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
  const text = spell(body, { escapeKey: t.has('escapedKey') ? 'content' : undefined, duplicate: t.has('duplicateAfter') ? { key: 'content', value: [{ type: 'tool_use', id: 'toolu_dup', name: 'evil', input: {} }], after: true } : undefined });
  return { contentType: t.has('sseType') ? 'text/event-stream; charset=utf-8' : 'application/json', text, cuts: [], tricks: [...t] };
});

// ---- Gemini --------------------------------------------------------------------------------

const GEMINI_TRICKS = ['eventLine', 'continueWithArgs', 'escapedKey', 'duplicateAfter', 'secondCandidate'] as const;

const geminiStream: fc.Arbitrary<Wire> = fc.tuple(fc.array(fc.oneof(call, fc.string({ maxLength: 8 })), { maxLength: 3 }), tricks(...GEMINI_TRICKS), framing).map(([parts, t, f]) => {
  const chunk = (ps: unknown[], finish?: string, how?: Parameters<typeof spell>[1]): WireEvent => ({
    ...(t.has('eventLine') ? { event: 'message' } : {}),
    data: spell({ candidates: [{ content: { role: 'model', parts: ps }, index: 0, ...(finish === undefined ? {} : { finishReason: finish }) }], responseId: 'r1', modelVersion: 'gemini-2.5-flash' }, how),
  });
  const events: WireEvent[] = parts.map((p) => {
    if (typeof p === 'string') return chunk([{ text: p }]);
    const c = p as GenCall;
    return chunk([{ functionCall: { name: c.name, args: c.args, ...(t.has('continueWithArgs') ? { willContinue: true } : {}) } }], undefined, t.has('escapedKey') ? { escapeKey: 'functionCall' } : undefined);
  });
  if (t.has('duplicateAfter')) events.push(chunk([{ text: 'x' }], undefined, { duplicate: { key: 'candidates', value: [{ content: { role: 'model', parts: [{ functionCall: { name: 'evil', args: {} } }] }, index: 0 }], after: true } }));
  if (t.has('secondCandidate')) events.push({ data: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'a' }] }, index: 0 }, { content: { role: 'model', parts: [{ functionCall: { name: 'search', args: {} } }] }, index: 1 }] }) });
  events.push(chunk([{ text: '' }], 'STOP'));
  return streamWire(events, f, [...t]);
});

const geminiBody: fc.Arbitrary<Wire> = fc.tuple(fc.array(fc.oneof(call, fc.string({ maxLength: 8 })), { maxLength: 3 }), tricks('escapedKey', 'duplicateAfter', 'sseType')).map(([parts, t]) => {
  const ps = parts.map((p) => (typeof p === 'string' ? { text: p } : { functionCall: { name: (p as GenCall).name, args: (p as GenCall).args } }));
  const body = { candidates: [{ content: { role: 'model', parts: ps.length > 0 ? ps : [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }], responseId: 'r1' };
  const evil = [{ content: { role: 'model', parts: [{ functionCall: { name: 'evil', args: {} } }] }, finishReason: 'STOP', index: 0 }];
  const text = spell(body, { escapeKey: t.has('escapedKey') ? 'functionCall' : undefined, duplicate: t.has('duplicateAfter') ? { key: 'candidates', value: evil, after: true } : undefined });
  return { contentType: t.has('sseType') ? 'text/event-stream' : 'application/json', text, cuts: [], tricks: [...t] };
});

// ---- the property ---------------------------------------------------------------------------

const CASES: ReadonlyArray<{ format: FormatCase['name']; stream: boolean; wire: fc.Arbitrary<Wire> }> = [
  { format: 'openai_chat', stream: true, wire: chatStream },
  { format: 'openai_chat', stream: false, wire: chatBody },
  { format: 'openai_responses', stream: true, wire: responsesStream },
  { format: 'openai_responses', stream: false, wire: responsesBody },
  { format: 'anthropic_messages', stream: true, wire: anthropicStream },
  { format: 'anthropic_messages', stream: false, wire: anthropicBody },
  { format: 'gemini', stream: true, wire: geminiStream },
  { format: 'gemini', stream: false, wire: geminiBody },
];

/** Sends `wire` as the upstream's answer, cut where it says. */
async function send(res: ServerResponse, wire: Wire): Promise<void> {
  res.writeHead(200, { 'content-type': wire.contentType });
  for (const part of cutBytes(wire.text, wire.cuts)) {
    if (res.destroyed) return;
    res.write(part);
    await tick();
  }
  res.end();
}

describe('properties: what the official SDKs assemble from the gateway is what onToolCall decided', function () {
  this.timeout(120_000);
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let policy: ReturnType<typeof recordingPolicy>;

  beforeEach(async () => {
    upstream = await guard.upstream();
    policy = recordingPolicy();
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [policy], recordExchanges: false });
  });

  for (const c of CASES) {
    it(`${c.format}, ${c.stream ? 'streamed' : 'not streamed'}: every call the SDK assembles was decided the same, or the answer was refused`, async () => {
      let delivered = 0;
      let refused = 0;
      for (const seed of seeds()) {
        // Printed so that a failure reproduces: TOLLGATE_PROPERTY_SEED=<seed>.
        console.log(`      ${c.format} ${c.stream ? 'stream' : 'body'}: seed ${seed}`);
        await fc.assert(
          fc.asyncProperty(c.wire, async (wire) => {
            policy.decided.length = 0;
            upstream.respond((_req, res) => send(res, wire));
            const client = await readWithSdk(c.format, gw.url, c.stream);
            const undecided = undecidedCalls(client, policy.decided);
            assert.deepEqual(undecided, [], `calls the SDK assembled that onToolCall did not decide so (tricks: ${wire.tricks.join(', ')}; decided: ${JSON.stringify(policy.decided)})`);
            if (client.failed) refused++;
            else if (client.calls.length > 0) delivered++;
          }),
          { seed, numRuns: RUNS_PER_SEED, endOnFailure: true },
        );
      }
      // Not vacuous: calls do get through, and hostile answers do get refused.
      assert.ok(delivered > 0, 'some runs delivered tool calls to the SDK');
      console.log(`      ${c.format} ${c.stream ? 'stream' : 'body'}: ${delivered} runs delivered calls, ${refused} were refused or unusable`);
    });
  }
});
