import assert from 'node:assert/strict';
import { type StreamUsageRequest, SseFramer, createSseEvent, openAiChatFormat } from '@tollgate/core/formats';

const usage = openAiChatFormat.streamUsage as StreamUsageRequest;
const BODY = { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], stream: true };

describe('openai_chat: asking a stream for usage', () => {
  it('adds include_usage: true, keeping the other stream_options; leaves a body that asks, or a malformed option, alone', () => {
    assert.deepEqual(usage.request(BODY), { ...BODY, stream_options: { include_usage: true } });
    assert.deepEqual(usage.request({ ...BODY, stream_options: null }), { ...BODY, stream_options: { include_usage: true } });
    assert.deepEqual(usage.request({ ...BODY, stream_options: { include_usage: false, include_obfuscation: false } }), { ...BODY, stream_options: { include_usage: true, include_obfuscation: false } });
    assert.deepEqual(usage.request({ ...BODY, stream_options: { include_usage: null } }), { ...BODY, stream_options: { include_usage: true } });
    assert.equal(usage.request({ ...BODY, stream_options: { include_usage: true } }), undefined);
    // The provider answers these as the client sent them (a 400): the gateway does not mend them.
    for (const bad of ['yes', 3, [], { include_usage: 'true' }]) assert.equal(usage.request({ ...BODY, stream_options: bad }), undefined, JSON.stringify(bad));
  });

  it('splices the request into the client\'s bytes when the body has no stream_options, else leaves it to serialisation', () => {
    const raw = Buffer.from(' \n{ "model":"gpt-5",\t"messages":[{"role":"user","content":"h\u00e9"}], "stream":true}');
    const spliced = usage.requestBytes?.(raw, JSON.parse(raw.toString('utf8')));
    assert.equal(spliced?.toString('utf8'), ' \n{"stream_options":{"include_usage":true}, "model":"gpt-5",\t"messages":[{"role":"user","content":"h\u00e9"}], "stream":true}');
    assert.deepEqual(JSON.parse(spliced?.toString('utf8') ?? ''), { ...JSON.parse(raw.toString('utf8')), stream_options: { include_usage: true } });
    const withOptions = Buffer.from('{"model":"m","messages":[],"stream_options":null}');
    assert.equal(usage.requestBytes?.(withOptions, JSON.parse(withOptions.toString('utf8'))), undefined);
    assert.equal(usage.requestBytes?.(Buffer.from('{}'), {}), undefined);
  });
});

describe('openai_chat stream assembler with hideUsage', () => {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-5' };
  const event = (chunk: unknown) => createSseEvent(JSON.stringify(chunk));
  const numbers = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };

  for (const strict of [false, true]) {
    for (const body of [true, false]) {
      it(`hides the chunk with usage and no choices, and reads its usage (strict: ${strict}, body: ${body})`, () => {
        const a = openAiChatFormat.createStreamAssembler({ hideUsage: true, strict, body });
        const text = a.push(event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }], usage: null }));
        const finish = a.push(event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null }));
        const usageChunk = a.push(event({ ...base, choices: [], usage: numbers }));
        const done = a.push(createSseEvent('[DONE]'));
        assert.deepEqual([text.hidden, finish.hidden, usageChunk.hidden, done.hidden], [undefined, undefined, true, undefined]);
        assert.equal(usageChunk.calls, undefined);
        assert.deepEqual(a.result().usage.totalTokens, 14);
      });
    }
  }

  it('hides nothing when not asked, nor usage on a chunk with choices or without a choices array, nor an error chunk', () => {
    const plain = openAiChatFormat.createStreamAssembler();
    assert.equal(plain.push(event({ ...base, choices: [], usage: numbers })).hidden, undefined);
    const hiding = openAiChatFormat.createStreamAssembler({ hideUsage: true });
    assert.equal(hiding.push(event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: numbers })).hidden, undefined);
    assert.equal(hiding.push(event({ ...base, choices: [], usage: null })).hidden, undefined);
    assert.equal(hiding.push(event({ ...base, usage: numbers })).hidden, undefined);
    assert.equal(hiding.push(event({ ...base, choices: null, usage: numbers })).hidden, undefined);
    assert.equal(hiding.push(event({ error: { message: 'overloaded' }, usage: numbers })).hidden, undefined);
    assert.equal(hiding.result().usage.totalTokens, 14);
  });

  it('hides the one usage chunk of a stream of several choices, split anywhere', () => {
    const wire = [
      { ...base, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 1, delta: { content: 'b' }, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
      { ...base, choices: [{ index: 1, delta: {}, finish_reason: 'stop' }], usage: null },
      { ...base, choices: [], usage: numbers },
    ]
      .map((c) => `data: ${JSON.stringify(c)}\n\n`)
      .join('')
      .concat('data: [DONE]\n\n');
    const bytes = Buffer.from(wire);
    for (const size of [1, 7, 64, bytes.length]) {
      const framer = new SseFramer();
      const a = openAiChatFormat.createStreamAssembler({ hideUsage: true, strict: true });
      const hidden: string[] = [];
      for (let i = 0; i < bytes.length; i += size) for (const ev of framer.push(bytes.subarray(i, i + size))) if (a.push(ev).hidden === true) hidden.push(ev.data);
      assert.deepEqual(hidden.map((d) => JSON.parse(d).usage), [numbers], `pieces of ${size}`);
      assert.equal(a.result().body && (a.result().body as { choices: unknown[] }).choices.length, 2);
    }
  });
});
