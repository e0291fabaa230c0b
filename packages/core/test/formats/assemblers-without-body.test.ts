import assert from 'node:assert/strict';
import { type FormatAdapter, anthropicMessagesFormat, openAiChatFormat } from '@tollgate/core/formats';
import type { FixtureFormat } from '@tollgate/testing';
import { feed, wireOf } from './support.js';

// `createStreamAssembler({ body: false })` may skip reading text-only chunks; everything the gate,
// the access log and tool-call policy see must stay exactly what the full assembler reports.
const OPENAI_FILES = [
  'openai-text.chunks.txt',
  'groq-tool-call.chunks.txt',
  'deepseek-tool-call.chunks.txt',
  'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin',
  'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin',
];

const chunk = (choices: string, usage = 'null'): string => `data: {"id":"c","object":"chat.completion.chunk","choices":[${choices}],"usage":${usage}}\n\n`;
/**
 * Two choices, `usage: null` on every chunk (OpenAI's include_usage), a spaced finish_reason, text
 * that mentions "usage" and spells a whole `"finish_reason":"stop"` field (escaped), a refusal,
 * and usage after a tab and a space.
 */
const SYNTHETIC = Buffer.from(
  [
    chunk('{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null},{"index":1,"delta":{"role":"assistant","content":""},"finish_reason":null}'),
    chunk('{"index":0,"delta":{"content":"about usage"},"finish_reason":null}'),
    chunk('{"index":1,"delta":{"content":"hi"},"finish_reason" : null}'),
    chunk('{"index":0,"delta":{"content":"say \\"finish_reason\\":\\"stop\\" or \\"usage\\": 1"},"finish_reason":null}'),
    chunk('{"index":0,"delta":{"refusal":"not that"},"finish_reason":null}'),
    chunk('{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"a\\":"}}]},"finish_reason":null}'),
    chunk('{"index":0,"delta":{"content":"more"},"finish_reason":null}'),
    chunk('{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}'),
    chunk('{"index":0,"delta":{},"finish_reason":"stop"}'),
    chunk('{"index":1,"delta":{},"finish_reason" :  "tool_calls"}'),
    chunk('', '\t {"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}'),
    'data: [DONE]\n\n',
  ].join(''),
);

const ANTHROPIC_FILES = [
  'anthropic-text.chunks.txt',
  'anthropic-clear-thinking.1.chunks.txt',
  'anthropic-issue-11719-quoted-tool-input.chunks.txt',
  'anthropic-issue-15652-false.chunks.txt',
  'anthropic-tool-no-args.chunks.txt',
  'tool_use_response.txt',
];

const anthropicEvent = (data: Record<string, unknown>): string => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
/**
 * Text that spells delta types and an index inside its (escaped) string, thinking, a tool call
 * whose input arrives in pieces, and a (malformed) text delta aimed at the tool call's block.
 */
const ANTHROPIC_SYNTHETIC = Buffer.from(
  [
    { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 5, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'say "type":"input_json_delta", "index":2' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'stray' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } },
    { type: 'content_block_stop', index: 2 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ]
    .map(anthropicEvent)
    .join(''),
);

const CASES: Array<{ format: FixtureFormat; adapter: FormatAdapter; wires: Array<[string, Buffer]> }> = [
  { format: 'openai-chat', adapter: openAiChatFormat, wires: [...OPENAI_FILES.map((f): [string, Buffer] => [f, wireOf('openai-chat', f)]), ['synthetic', SYNTHETIC]] },
  {
    format: 'anthropic-messages',
    adapter: anthropicMessagesFormat,
    wires: [...ANTHROPIC_FILES.map((f): [string, Buffer] => [f, wireOf('anthropic-messages', f)]), ['synthetic', ANTHROPIC_SYNTHETIC]],
  },
];

for (const { format, adapter, wires } of CASES) {
  describe(`${format} stream assembler without a body`, () => {
    for (const [name, wire] of wires) {
      it(`${name}: reports the same events, tool calls and usage as the full assembler`, () => {
        const full = feed(adapter.createStreamAssembler(), [wire]);
        const lean = feed(adapter.createStreamAssembler({ body: false }), [wire]);
        assert.ok(full.events.length > 3);
        assert.deepEqual(lean.infos, full.infos);
        assert.deepEqual(lean.completed, full.completed);
        assert.deepEqual(lean.assembler.result().toolCalls, full.assembler.result().toolCalls);
        assert.deepEqual(lean.assembler.result().usage, full.assembler.result().usage);
      });
    }
  });
}

describe('stream assemblers without a body: synthetic streams', () => {
  it('anthropic: still reads the tool call and usage; the text and thinking are what it skips', () => {
    const lean = feed(anthropicMessagesFormat.createStreamAssembler({ body: false }), [ANTHROPIC_SYNTHETIC]).assembler.result();
    assert.deepEqual(
      lean.toolCalls.map((c) => [c.id, c.name, c.params]),
      [['toolu_1', 'f', { a: 1 }]],
    );
    assert.deepEqual([lean.usage.inputTokens, lean.usage.outputTokens], [5, 9]);
    const content = (lean.body as { content: Array<Record<string, unknown>> }).content;
    assert.deepEqual(
      content.map((b) => [b.type, b.text ?? b.thinking ?? '']),
      [
        ['thinking', ''],
        ['text', ''],
        ['tool_use', ''],
      ],
    );
  });

  it('openai chat: still reads tool calls, finish reasons and usage', () => {
    const lean = feed(openAiChatFormat.createStreamAssembler({ body: false }), [SYNTHETIC]).assembler.result();
    assert.deepEqual(
      lean.toolCalls.map((c) => [c.name, c.params]),
      [['f', { a: 1 }]],
    );
    assert.equal(lean.usage.inputTokens, 3);
    assert.equal(lean.usage.outputTokens, 4);
  });
});
