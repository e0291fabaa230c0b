import assert from 'node:assert/strict';
import type { ToolCall, ToolCallDecision } from '@tollgate/core';
import { type ToolCallSummary, escapeMrkdwn, toolCallMessage } from '../src/slack-message.js';

const call = (index: number, name: string, params: Record<string, unknown>): ToolCall => ({ id: `call_${index}`, kind: 'function', index, name, params });
const base: ToolCallSummary = {
  login: 'alice@example.com',
  model: 'gpt-4.1',
  provider: 'openai',
  sessionId: 'sess-1',
  requestId: 'req-1',
  userMessage: 'clean up <the> build & deploy',
  calls: [call(0, 'bash', { command: 'rm -rf build' }), call(1, 'read_file', { path: '/etc/hosts' })],
  decisions: [],
};
const options = { includeArguments: true, maxCalls: 10 };

describe('toolCallMessage', () => {
  it('names the caller, model and each call with its arguments; the user message and ids go in a context line', () => {
    const message = toolCallMessage(base, options);
    assert.equal(message.text, 'alice@example.com called bash, read_file via gpt-4.1');
    assert.deepEqual(message.blocks[0], { type: 'section', text: { type: 'mrkdwn', text: '*alice@example.com* called 2 tools via `gpt-4.1` (openai)' } });
    assert.deepEqual(message.blocks[1], { type: 'section', text: { type: 'mrkdwn', text: ':hammer_and_wrench: *bash*\n```{"command":"rm -rf build"}```' } });
    assert.deepEqual(message.blocks.at(-1), {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '> clean up &lt;the&gt; build &amp; deploy' },
        { type: 'mrkdwn', text: 'session `sess-1` · request `req-1`' },
      ],
    });
  });

  it('marks calls a policy blocked or stripped', () => {
    const decisions: ToolCallDecision[] = [{ call: base.calls[0] as ToolCall, outcome: 'blocked', by: 'no-rm-rf', message: 'rm -rf is not allowed', durationMs: 0.1 }];
    const message = toolCallMessage({ ...base, decisions }, options);
    assert.equal(message.text, 'alice@example.com called bash (blocked), read_file via gpt-4.1');
    const section = message.blocks[1] as { text: { text: string } };
    assert.match(section.text.text, /^:no_entry: \*bash\* blocked by no-rm-rf: rm -rf is not allowed\n```/);
  });

  it('can leave arguments out, caps the number of calls listed, and keeps code blocks closed', () => {
    const many = Array.from({ length: 5 }, (_, i) => call(i, `t${i}`, { s: '```x```' }));
    const message = toolCallMessage({ ...base, calls: many }, { includeArguments: false, maxCalls: 2 });
    assert.equal(message.blocks.length, 1 + 2 + 1 + 1);
    assert.deepEqual(message.blocks[3], { type: 'context', elements: [{ type: 'mrkdwn', text: 'and 3 more' }] });
    assert.equal((message.blocks[1] as { text: { text: string } }).text.text, ':hammer_and_wrench: *t0*');
    const withArgs = toolCallMessage({ ...base, calls: many.slice(0, 1) }, options);
    const text = (withArgs.blocks[1] as { text: { text: string } }).text.text;
    assert.equal(text.split('```').length, 3, 'exactly one code block');
  });

  it('escapes the mrkdwn control characters', () => {
    assert.equal(escapeMrkdwn('<a href> & <@U123>'), '&lt;a href&gt; &amp; &lt;@U123&gt;');
  });
});
