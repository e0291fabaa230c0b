import assert from 'node:assert/strict';
import { type FakeUpstream, type Responder, type TestGateway, jsonResponder, sseResponder } from '@tollgate/testing';
import OpenAI from 'openai';
import { type ClientView, readWithSdk, recordingPolicy, undecidedCalls } from './support/differential.js';
import { type FormatCase, parseFrames, providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { post } from './support/http.js';

/**
 * One regression test per scenario of issue 14 ("No gap in the gate"): each put a tool call into
 * the official SDK's hands that no `onToolCall` tap decided (or decided differently) on the landed
 * main. Each asserts, with the SDK as the client, that every call it assembles was decided the
 * same way, and (where the answer carries a call the gate cannot attribute) that the answer was
 * refused.
 */

const chat = (choice: Record<string, unknown>): string => JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, ...choice }] });
const chatDelta = (delta: Record<string, unknown>, finish: string | null = null): string => chat({ delta, finish_reason: finish });
const bashCall = (args = '{"command":"rm -rf /"}'): string => chatDelta({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'bash', arguments: args } }] });
const sse = (data: string, event?: string): string => `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;
const CHAT_END = [sse(chatDelta({}, 'tool_calls')), 'data: [DONE]\n\n'];

const aEvent = (type: string, data: Record<string, unknown>): string => sse(JSON.stringify({ type, ...data }), type);
const MESSAGE = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
const ANTHROPIC_END = [aEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 3 } }), aEvent('message_stop', {})];

let seq = 0;
const rEvent = (type: string, data: Record<string, unknown>): string => sse(JSON.stringify({ type, sequence_number: seq++, ...data }), type);
const RESPONSE = { id: 'resp_1', object: 'response', created_at: 1, model: 'gpt-5', status: 'in_progress', output: [] as unknown[] };
const fnItem = (id: string, name: string, args: string): Record<string, unknown> => ({ id: `fc_${id}`, type: 'function_call', status: 'completed', call_id: `call_${id}`, name, arguments: args });
function responsesItemEvents(item: Record<string, unknown>, index: number): string[] {
  return [
    rEvent('response.output_item.added', { output_index: index, item: { ...item, arguments: '', status: 'in_progress' } }),
    rEvent('response.function_call_arguments.done', { item_id: item.id, output_index: index, arguments: item.arguments }),
    rEvent('response.output_item.done', { output_index: index, item }),
  ];
}

const gem = (parts: unknown[], finish?: string): string => JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish === undefined ? {} : { finishReason: finish }) }], responseId: 'r1' });

interface Scenario {
  readonly name: string;
  readonly format: FormatCase['name'];
  readonly stream: boolean;
  readonly respond: () => Responder;
  /** True when the answer must be refused (the SDK then gets no call at all). */
  readonly refused?: boolean;
}

const SCENARIOS: Scenario[] = [
  // Parser differential
  { name: 'a byte-order mark at the start of the stream', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([`\uFEFF${sse(bashCall())}`, ...CHAT_END]) },
  { name: 'a byte-order mark at the start of a line', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', content: 'ok' })), `\uFEFF${sse(bashCall())}`, ...CHAT_END]) },
  { name: 'a blank line made of a byte-order mark', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([`data: ${chatDelta({ role: 'assistant', content: 'ok' })}\n\uFEFF\ndata: ${bashCall()}\n\n`, ...CHAT_END]) },
  { name: 'a field line with leading whitespace (Gemini)', format: 'gemini', stream: true, refused: true, respond: () => sseResponder([sse(gem([{ text: 'ok' }])), ` data: ${gem([{ functionCall: { name: 'bash', args: { command: 'rm -rf /' } } }])}\n\n`, sse(gem([{ text: '' }], 'STOP'))]) },
  { name: 'a JSON event spread over lines without data: (Gemini)', format: 'gemini', stream: true, refused: true, respond: () => sseResponder([sse(gem([{ text: 'ok' }])), `data: {\n"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"bash","args":{}}}]},"index":0}]}\n\n`, sse(gem([{ text: '' }], 'STOP'))]) },
  { name: 'a key spelled with an escape ("tool\\u005fcalls") past the text fast path', format: 'openai_chat', stream: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', content: 'ok' })), sse(bashCall().replace('"tool_calls"', '"tool\\u005fcalls"')), ...CHAT_END]) },
  { name: 'a duplicate key: the last choices (JSON.parse keeps it) carry a call', format: 'openai_chat', stream: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', content: 'ok' })), sse(`${chatDelta({ content: 'hi' }).slice(0, -1)},"choices":${JSON.stringify(JSON.parse(bashCall()).choices)}}`), ...CHAT_END]) },
  {
    name: 'a JSON body whose content type mentions text/event-stream',
    format: 'openai_chat',
    stream: false,
    respond: () => jsonResponder({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"rm -rf /"}' } }] }, finish_reason: 'tool_calls' }] }, 200, { 'content-type': 'application/json; profile="text/event-stream"' }),
  },
  // Call identity
  { name: 'a tool-call index reused by a later call', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([sse(bashCall('{"command":"ls"}')), sse(chatDelta({ tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { name: 'read_file', arguments: '{"path":"/etc/shadow"}' } }] })), ...CHAT_END]) },
  { name: 'a function name sent in two deltas (bash = ba + sh)', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'ba', arguments: '' } }] })), sse(chatDelta({ tool_calls: [{ index: 0, function: { name: 'sh', arguments: '{"command":"id"}' } }] })), ...CHAT_END]) },
  { name: 'a decoy delta naming another tool before the real one', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search', arguments: '' } }] })), sse(chatDelta({ tool_calls: [{ index: 0, function: { name: 'bash', arguments: '{"command":"id"}' } }] })), ...CHAT_END]) },
  { name: 'a choice message the openai SDK copies over its snapshot', format: 'openai_chat', stream: true, refused: true, respond: () => sseResponder([sse(chatDelta({ role: 'assistant', content: 'ok' })), sse(chat({ delta: {}, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'bash', arguments: '{}' } }] } })), sse(chatDelta({}, 'stop')), 'data: [DONE]\n\n']) },
  { name: 'an Anthropic block started at another index than its deltas address', format: 'anthropic_messages', stream: true, refused: true, respond: () => sseResponder([aEvent('message_start', { message: MESSAGE }), aEvent('content_block_start', { index: 4, content_block: { type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} } }), aEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"command":"rm -rf /"}' } }), aEvent('content_block_stop', { index: 0 }), ...ANTHROPIC_END]) },
  { name: 'an Anthropic message_start that already holds a tool_use block', format: 'anthropic_messages', stream: true, refused: true, respond: () => sseResponder([aEvent('message_start', { message: { ...MESSAGE, content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'rm -rf /' } }] } }), ...ANTHROPIC_END]) },
  {
    name: 'a Responses in_progress snapshot holding a call the item events never announced',
    format: 'openai_responses',
    stream: true,
    refused: true,
    respond: () => sseResponder([rEvent('response.created', { response: RESPONSE }), rEvent('response.in_progress', { response: { ...RESPONSE, output: [fnItem('1', 'bash', '{"command":"rm -rf /"}')] } }), rEvent('response.completed', { response: { ...RESPONSE, status: 'completed', output: [fnItem('1', 'bash', '{"command":"rm -rf /"}')] } })]),
  },
  {
    name: 'a Responses final snapshot holding the calls in another order',
    format: 'openai_responses',
    stream: true,
    refused: true,
    respond: () => {
      const a = fnItem('a', 'search', '{"q":"x"}');
      const b = fnItem('b', 'bash', '{"command":"id"}');
      return sseResponder([rEvent('response.created', { response: RESPONSE }), ...responsesItemEvents(a, 0), ...responsesItemEvents(b, 1), rEvent('response.completed', { response: { ...RESPONSE, status: 'completed', output: [b, a] } })]);
    },
  },
  // Arguments as the client parses them
  { name: 'Anthropic input fragments that end unterminated, with an escape inside', format: 'anthropic_messages', stream: true, refused: true, respond: () => sseResponder([aEvent('message_start', { message: MESSAGE }), aEvent('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} } }), aEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"command": "\\u0072m -rf /' } }), aEvent('content_block_stop', { index: 0 }), ...ANTHROPIC_END]) },
  // Call kinds
  {
    name: 'a streamed Responses computer_call',
    format: 'openai_responses',
    stream: true,
    respond: () => {
      const item = { id: 'cu_1', type: 'computer_call', call_id: 'call_cu', status: 'completed', action: { type: 'type', text: 'rm -rf /' }, pending_safety_checks: [] };
      return sseResponder([rEvent('response.created', { response: RESPONSE }), rEvent('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress' } }), rEvent('response.output_item.done', { output_index: 0, item }), rEvent('response.completed', { response: { ...RESPONSE, status: 'completed', output: [item] } })]);
    },
  },
  { name: 'a non-streamed Responses local_shell_call', format: 'openai_responses', stream: false, respond: () => jsonResponder({ ...RESPONSE, status: 'completed', output: [{ id: 'lsh_1', type: 'local_shell_call', call_id: 'call_l', status: 'completed', action: { type: 'exec', command: ['rm', '-rf', '/'], env: {} } }] }) },
];

describe('reliability: the scenarios of issue 14, read by the official SDKs', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let policy: ReturnType<typeof recordingPolicy>;

  beforeEach(async () => {
    upstream = await guard.upstream();
    policy = recordingPolicy();
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [policy], recordExchanges: false });
  });

  for (const s of SCENARIOS) {
    it(`${s.name}: the SDK gets only calls decided as it reads them${s.refused ? ' (here: the answer is refused)' : ''}`, async () => {
      upstream.respond(s.respond());
      const client: ClientView = await readWithSdk(s.format, gw.url, s.stream);
      assert.deepEqual(undecidedCalls(client, policy.decided), [], `undecided calls (decided: ${JSON.stringify(policy.decided)})`);
      if (s.refused) {
        assert.equal(client.failed, true, 'the answer is refused');
        assert.deepEqual(client.calls, []);
      } else assert.ok(client.calls.length > 0 && !client.failed, 'the call is delivered, decided');
    });
  }

  it('kinds: a Responses computer_call reaches onToolCall with kind "computer" and its action', async () => {
    upstream.respond(SCENARIOS.find((s) => s.name === 'a streamed Responses computer_call')!.respond());
    await readWithSdk('openai_responses', gw.url, true);
    assert.deepEqual(policy.decided, [{ kind: 'computer', name: 'computer', params: { type: 'type', text: 'rm -rf /' }, outcome: 'allowed' }]);
  });
});

describe('reliability: strips and the Responses API after issue 14', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;

  beforeEach(async () => {
    upstream = await guard.upstream();
    const strip = recordingPolicy();
    gw = await guard.gateway({
      config: { providers: providersFor(upstream.url) },
      plugins: [strip, { name: 'blocker', apply: (h) => h.hooks.onToolCall.tap('blocker', ({ call }) => (call.name === 'block_me' ? { action: 'block', message: 'blocked here' } : undefined)) }],
    });
  });

  for (const id of [undefined, null]) {
    it(`a stripped call with ${id === undefined ? 'no id' : '"id": null'} is removed (non-streamed chat)`, async () => {
      const tc = { ...(id === undefined ? {} : { id }), type: 'function', function: { name: 'strip_rm', arguments: '{"path":"/"}' } };
      upstream.respond(jsonResponder({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', tool_calls: [tc] }, finish_reason: 'tool_calls' }] }));
      const client = await readWithSdk('openai_chat', gw.url, false);
      assert.deepEqual(client.calls, []);
      const answer = await post(gw.url, '/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'go' }] });
      const message = answer.json().choices[0].message;
      assert.equal(message.tool_calls, undefined);
      assert.equal(message.content, 'Sure.\n\n[tollgate] tool call "strip_rm" was removed: not this one');
    });
  }

  it('the chat strip note in a stream is separated from the text as in the non-streamed answer', async () => {
    upstream.respond(sseResponder([sse(chatDelta({ role: 'assistant', content: 'Sure.' })), sse(chatDelta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'strip_rm', arguments: '{}' } }] })), ...CHAT_END]));
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const completion = await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'go' }], stream: true }).finalChatCompletion();
    assert.equal(completion.choices[0]?.message.content, 'Sure.\n\n[tollgate] tool call "strip_rm" was removed: not this one');
  });

  it('a blocked Responses call ends the stream with an error and a response.failed that carry sequence numbers and the real response', async () => {
    seq = 0;
    upstream.respond(sseResponder([rEvent('response.created', { response: RESPONSE }), ...responsesItemEvents(fnItem('1', 'block_me', '{}'), 0), rEvent('response.completed', { response: { ...RESPONSE, status: 'completed', output: [fnItem('1', 'block_me', '{}')] } })]));
    const answer = await post(gw.url, '/v1/responses', { model: 'gpt-5', stream: true, input: 'go' });
    const frames = parseFrames(answer.text).map((f) => JSON.parse(f.data));
    const [error, failed] = frames.slice(-2);
    assert.equal(error.type, 'error');
    assert.equal(failed.type, 'response.failed');
    const numbers = frames.map((f) => f.sequence_number);
    assert.deepEqual(numbers, numbers.map((_, i) => numbers[0] + i), 'consecutive sequence numbers, the gateway’s events included');
    assert.equal(failed.response.id, 'resp_1', 'the response as relayed, not a skeleton');
    assert.equal(failed.response.model, 'gpt-5');
    assert.equal(failed.response.status, 'failed');
    assert.deepEqual(failed.response.error, { code: 'tool_call_blocked', message: 'blocked here' });
    assert.ok(!answer.text.includes('"name":"block_me"'), 'the blocked call never reaches the client');
  });
});

describe('reliability: calls the provider runs itself are recorded, never decided (issue 14)', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let policy: ReturnType<typeof recordingPolicy>;

  beforeEach(async () => {
    upstream = await guard.upstream();
    policy = recordingPolicy();
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [policy] });
  });

  const cases: Array<{ format: FormatCase['name']; body: unknown; kind: string }> = [
    { format: 'openai_responses', kind: 'web_search', body: { ...RESPONSE, status: 'completed', output: [{ id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'weather' } }] } },
    { format: 'anthropic_messages', kind: 'server_tool', body: { ...MESSAGE, content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'weather' } }], stop_reason: 'end_turn' } },
    { format: 'gemini', kind: 'code_execution', body: { candidates: [{ content: { role: 'model', parts: [{ executableCode: { language: 'PYTHON', code: 'print(1)' } }, { text: 'done' }] }, finishReason: 'STOP', index: 0 }] } },
  ];
  for (const c of cases) {
    it(`${c.format}: a ${c.kind} call is in the exchange's providerToolCalls, and onToolCall is not asked`, async () => {
      upstream.respond(jsonResponder(c.body));
      const client = await readWithSdk(c.format, gw.url, false);
      assert.equal(client.failed, false);
      const exchange = await gw.exchange(1);
      assert.deepEqual(exchange.providerToolCalls.map((p) => [p.kind, p.executor]), [[c.kind, 'provider']]);
      assert.deepEqual(exchange.toolCalls, []);
      assert.deepEqual(policy.decided, []);
    });
  }
});
