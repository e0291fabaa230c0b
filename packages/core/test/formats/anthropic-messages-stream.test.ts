import assert from 'node:assert/strict';
import { AnthropicMessagesStreamAssembler, type StrippedCall, anthropicMessagesFormat, strippedCallNote } from '@tollgate/core/formats';
import { readFixture } from '@tollgate/testing';
import { type Fed, callsOf, chunkObjects, feed, wireOf } from './support.js';

const F = 'anthropic-messages' as const;

const WEBSITE_UPDATE = {
  website_path: '/home/user/pace-landing',
  tasks: [
    {
      description:
        'Today you post every run to Strava, but Strava does not answer the question: "What should I do next after this run?". It is a great log, but it is not adaptive.',
      type: 'feature',
      passes: false,
    },
  ],
};

function run(file: string): Fed {
  return feed(new AnthropicMessagesStreamAssembler(), [wireOf(F, file)]);
}

function body(fed: Fed): Record<string, any> {
  return fed.assembler.result().body as Record<string, any>;
}

function texts(b: Record<string, any>, type = 'text'): string[] {
  return (b.content as any[]).filter((c) => c.type === type).map((c) => c[type === 'thinking' ? 'thinking' : 'text']);
}

/** Feeds the rewritten events of `fed` (with `stripped`) into a fresh assembler. */
function reassembleRewritten(fed: Fed, stripped: Map<string, StrippedCall>) {
  const out = fed.events.flatMap((e) => fed.assembler.rewrite(e, stripped));
  const again = new AnthropicMessagesStreamAssembler();
  for (const e of out) again.push(e);
  again.end();
  return { out, result: again.result() };
}

describe('Anthropic Messages stream assembler (fixtures)', () => {
  it('anthropic-text: text, end_turn, usage split across message_start and message_delta', () => {
    const fed = run('anthropic-text.chunks.txt');
    const b = body(fed);
    assert.deepEqual(texts(b), ["Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?"]);
    assert.equal(b.stop_reason, 'end_turn');
    assert.equal(b.id, 'msg_01QC4g3HwBThD4BaNtBckFDJ');
    assert.equal(b.type, 'message');
    const { usage, toolCalls } = fed.assembler.result();
    assert.deepEqual(toolCalls, []);
    assert.equal(usage.inputTokens, 12);
    assert.equal(usage.outputTokens, 30);
    assert.equal(b.usage.output_tokens, 30);
    assert.equal(b.usage.input_tokens, 12);
  });

  it('tool_use_response.txt (raw SSE): text then get_weather, args split inside tokens', () => {
    const fed = run('tool_use_response.txt');
    const b = body(fed);
    assert.deepEqual(texts(b), ["I'll check the current weather in Paris for you."]);
    assert.deepEqual(b.content[1], { type: 'tool_use', id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', caller: { type: 'direct' }, input: { location: 'Paris' } });
    assert.equal(b.stop_reason, 'tool_use');
    const r = fed.assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', params: { location: 'Paris' } }]);
    assert.equal(r.usage.inputTokens, 377);
    assert.equal(r.usage.outputTokens, 65);
    // The call completes exactly once, at its content_block_stop, and every event of the block carries it.
    assert.equal(fed.completed.length, 1);
    const stopAt = fed.events.findIndex((e) => e.data.includes('"content_block_stop","index":1'));
    assert.deepEqual(fed.infos[stopAt]?.completes?.map((c) => c.key), ['1']);
    const carrying = fed.events.filter((_e, i) => fed.infos[i]?.calls?.includes('1')).map((e) => JSON.parse(e.data).type);
    assert.deepEqual(carrying, ['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop']);
    // Only pings may overtake held events.
    fed.events.forEach((e, i) => assert.equal(fed.infos[i]?.ordered, e.event !== 'ping', e.data));
  });

  it('issue-11719 stream: escaped quotes split across 11 fragments', () => {
    const r = run('anthropic-issue-11719-quoted-tool-input.chunks.txt').assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'toolu_01Cr31vcGoeeRgi3Eo5Ds8qN', name: 'website_update', params: WEBSITE_UPDATE }]);
    assert.equal((r.body as any).stop_reason, 'tool_use');
    assert.equal(r.usage.inputTokens, 912);
    assert.equal(r.usage.outputTokens, 118);
  });

  it('issue-11719 JSON: the non-streaming body gives the same call', () => {
    const json = JSON.parse(readFixture(F, 'anthropic-issue-11719-quoted-tool-input.json').toString('utf8'));
    const info = anthropicMessagesFormat.readResponse(json);
    assert.deepEqual(callsOf(info.toolCalls), [{ id: 'toolu_01JKBd25gEfr9ZpVvn8quK2v', name: 'website_update', params: WEBSITE_UPDATE }]);
    assert.equal(info.usage.inputTokens, 912);
    assert.equal(info.usage.outputTokens, 118);
  });

  it('issue-15652: three parallel tool_use blocks with whitespace-padded data lines', () => {
    const fed = run('anthropic-issue-15652-false.chunks.txt');
    const r = fed.assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [
      { id: 'toolu_01LtEf4h1QW7KCKLsYMuhTNB', name: 'searchDocs', params: { query: 'alpha' } },
      { id: 'toolu_016tfZE7otAFSBjhc67wu189', name: 'searchDocs', params: { query: 'beta' } },
      { id: 'toolu_01XkU35z8BVWqqc9tijDuLrA', name: 'searchDocs', params: { query: 'gamma' } },
    ]);
    assert.deepEqual(r.toolCalls.map((c) => c.index), [0, 1, 2]);
    assert.deepEqual(fed.completed.map((c) => c.key), ['0', '1', '2']);
    assert.equal(r.usage.inputTokens, 798);
    assert.equal(r.usage.outputTokens, 110);
  });

  it('tool-no-args: a single empty fragment means {}; text before it, pings between', () => {
    const r = run('anthropic-tool-no-args.chunks.txt').assembler.result();
    const b = r.body as any;
    assert.deepEqual(texts(b), ["I'll update the issue list for you."]);
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', params: {} }]);
    assert.deepEqual(b.content[1].input, {});
    assert.equal(b.stop_reason, 'tool_use');
    assert.equal(r.usage.inputTokens, 565);
    assert.equal(r.usage.outputTokens, 48);
  });

  it('clear-thinking: thinking deltas and a signature, then text; context_management kept', () => {
    const r = run('anthropic-clear-thinking.1.chunks.txt').assembler.result();
    const b = r.body as any;
    assert.deepEqual(texts(b, 'thinking'), ['The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185']);
    assert.match(b.content[0].signature, /^EvQBCkYICxgCKkAxhD4NUKFzudtZ6NzbZdEiBACIScTzqjPViM596iWLZIk4EFKYYBj3B6Ptl3b0dcQv/);
    assert.deepEqual(texts(b), ['925 ÷ 5 = 185']);
    assert.equal(b.stop_reason, 'end_turn');
    assert.deepEqual(b.context_management, { applied_edits: [] });
    assert.deepEqual(r.toolCalls, []);
    assert.equal(r.usage.inputTokens, 69);
    assert.equal(r.usage.outputTokens, 53);
  });
});

describe('Anthropic Messages stream rewriting (strip)', () => {
  const note = (name: string) => strippedCallNote(name, 'not allowed here');

  it('replaces a stripped tool_use block by a text block at the same index and keeps the other calls', () => {
    const fed = run('anthropic-issue-15652-false.chunks.txt');
    const calls = fed.assembler.result().toolCalls;
    const stripped = new Map([['1', { call: calls[1]!, message: 'not allowed here' }]]);
    const { out, result } = reassembleRewritten(fed, stripped);
    const b = result.body as any;
    assert.deepEqual(
      b.content.map((c: any) => [c.type, c.type === 'text' ? c.text : c.input]),
      [
        ['tool_use', { query: 'alpha' }],
        ['text', note('searchDocs')],
        ['tool_use', { query: 'gamma' }],
      ],
    );
    assert.equal(b.stop_reason, 'tool_use');
    assert.ok(!out.some((e) => e.data.includes('"beta')));
    for (const e of out) assert.equal(e.event, JSON.parse(e.data).type);
  });

  it('turns stop_reason tool_use into end_turn once every call is stripped', () => {
    const fed = run('tool_use_response.txt');
    const [call] = fed.assembler.result().toolCalls;
    const { result } = reassembleRewritten(fed, new Map([['1', { call: call!, message: 'not allowed here' }]]));
    const b = result.body as any;
    assert.deepEqual(texts(b), ["I'll check the current weather in Paris for you.", note('get_weather')]);
    assert.equal(b.stop_reason, 'end_turn');
    assert.deepEqual(result.toolCalls, []);
  });

  it('strips a non-streaming body in place', () => {
    const json = JSON.parse(readFixture(F, 'anthropic-issue-11719-quoted-tool-input.json').toString('utf8'));
    const [call] = anthropicMessagesFormat.readResponse(json).toolCalls;
    const out = anthropicMessagesFormat.stripToolCalls(json, [{ call: call!, message: 'not allowed here' }]) as any;
    assert.deepEqual(out.content, [{ type: 'text', text: note('website_update') }]);
    assert.equal(out.stop_reason, 'end_turn');
    assert.equal(json.content[0].type, 'tool_use', 'the original is not modified');
  });
});

describe('Anthropic Messages stream assembler (derived variants)', () => {
  const frame = (o: unknown) => `event: ${(o as { type: string }).type}\ndata: ${JSON.stringify(o)}\n\n`;

  it('a tool call after a thinking block (thinking + tool_use in one stream)', () => {
    const thinking = chunkObjects(F, 'anthropic-clear-thinking.1.chunks.txt').filter((o: any) => o.type === 'message_start' || o.index === 0);
    const tool = chunkObjects(F, 'anthropic-tool-no-args.chunks.txt').filter((o: any) => o.index === 1 || o.type === 'message_delta' || o.type === 'message_stop');
    const fed = feed(new AnthropicMessagesStreamAssembler(), [Buffer.from([...thinking, ...tool].map(frame).join(''))]);
    const r = fed.assembler.result();
    const b = r.body as any;
    assert.deepEqual(b.content.map((c: any) => c.type), ['thinking', 'tool_use']);
    assert.equal(b.content[0].thinking, 'The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', params: {} }]);
    assert.equal(b.stop_reason, 'tool_use');
  });

  it('an in-stream error event (overloaded) is recorded and ordered', () => {
    const text = chunkObjects(F, 'anthropic-text.chunks.txt').slice(0, 4);
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const fed = feed(new AnthropicMessagesStreamAssembler(), [Buffer.from([...text, error].map(frame).join(''))]);
    assert.equal(fed.infos.at(-1)?.ordered, true);
    const b = fed.assembler.result().body as any;
    assert.equal(b.content[0].text, 'Hello');
    const onlyError = feed(new AnthropicMessagesStreamAssembler(), [Buffer.from(frame(error))]);
    assert.deepEqual(onlyError.assembler.result().body, error);
  });

  it('a stream cut off mid-arguments keeps the raw text for policy', () => {
    const lines = chunkObjects(F, 'anthropic-issue-15652-false.chunks.txt').slice(0, 5);
    const fed = feed(new AnthropicMessagesStreamAssembler(), [Buffer.from(lines.map(frame).join(''))]);
    assert.deepEqual(fed.completed.map((c) => c.call.params), [{ _raw: '{"query": "alpha' }], 'end() completes the open call');
  });
});
