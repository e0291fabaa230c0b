import assert from 'node:assert/strict';
import { openAiChatFormat } from '@tollgate/core';
import { feed, wireOf } from './support.js';

// `createStreamAssembler({ body: false })` may skip reading text-only chunks; everything the gate,
// the access log and tool-call policy see must stay exactly what the full assembler reports.
const FILES = [
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

describe('openai-chat stream assembler without a body', () => {
  const wires: Array<[string, Buffer]> = [...FILES.map((f): [string, Buffer] => [f, wireOf('openai-chat', f)]), ['synthetic', SYNTHETIC]];
  for (const [name, wire] of wires) {
    it(`${name}: reports the same events, tool calls and usage as the full assembler`, () => {
      const full = feed(openAiChatFormat.createStreamAssembler(), [wire]);
      const lean = feed(openAiChatFormat.createStreamAssembler({ body: false }), [wire]);
      assert.deepEqual(lean.infos, full.infos);
      assert.deepEqual(lean.completed, full.completed);
      assert.deepEqual(lean.assembler.result().toolCalls, full.assembler.result().toolCalls);
      assert.deepEqual(lean.assembler.result().usage, full.assembler.result().usage);
    });
  }

  it('still reads tool calls, finish reasons and usage in the synthetic stream', () => {
    const lean = feed(openAiChatFormat.createStreamAssembler({ body: false }), [SYNTHETIC]).assembler.result();
    assert.deepEqual(
      lean.toolCalls.map((c) => [c.name, c.params]),
      [['f', { a: 1 }]],
    );
    assert.equal(lean.usage.inputTokens, 3);
    assert.equal(lean.usage.outputTokens, 4);
  });
});
