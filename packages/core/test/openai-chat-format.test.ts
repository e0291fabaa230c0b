import assert from 'node:assert/strict';
import { ApiErrorException, apiError } from '@tollgate/core';
import {
  type CompletedCall,
  type SseEvent,
  SseFramer,
  type StrippedCall,
  type StreamEventInfo,
  openAiChatFormat,
  openAiErrorBody,
  parseToolArguments,
  strippedCallNote,
} from '@tollgate/core/formats';
import { chunksToSse, readChunkLines, readChunks, readFixture } from '@tollgate/testing';

const BIN_SINGLE = 'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin';
const BIN_PARALLEL = 'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin';

/** The wire bytes of an openai-chat fixture (`.bin` as is, `.chunks.txt` framed as SSE). */
function wire(file: string): Buffer {
  if (file.endsWith('.bin')) return readFixture('openai-chat', file);
  return Buffer.from(chunksToSse('openai-chat', readChunkLines('openai-chat', file)).join(''));
}

function events(file: string): SseEvent[] {
  const framer = new SseFramer();
  return [...framer.push(wire(file)), ...framer.end()];
}

interface Fed {
  infos: StreamEventInfo[];
  completedAt: Array<{ event: number; call: CompletedCall }>;
  assembler: ReturnType<typeof openAiChatFormat.createStreamAssembler>;
}

function feed(file: string): Fed {
  const assembler = openAiChatFormat.createStreamAssembler();
  const infos: StreamEventInfo[] = [];
  const completedAt: Fed['completedAt'] = [];
  events(file).forEach((ev, i) => {
    const info = assembler.push(ev);
    infos.push(info);
    for (const call of info.completes ?? []) completedAt.push({ event: i, call });
  });
  for (const call of assembler.end()) completedAt.push({ event: -1, call });
  return { infos, completedAt, assembler };
}

type Expected = {
  calls: Array<{ id: string; name: string; params: Record<string, unknown> }>;
  finish: string;
  usage: [number, number, number];
  content?: (text: unknown) => void;
  reasoningTokens?: number;
};

/** The README's table for openai-chat. */
const EXPECTED: Record<string, Expected> = {
  'openai-text.chunks.txt': {
    calls: [],
    finish: 'stop',
    usage: [16, 300, 316],
    content: (text) => {
      assert.equal(typeof text, 'string');
      assert.equal((text as string).length, 1724);
      assert.ok((text as string).startsWith('**Holiday Name:** Harmony Day'));
    },
  },
  [BIN_SINGLE]: {
    calls: [{ id: 'call_c91SqDXlYFuETYv8mUHzz6pp', name: 'GetWeatherArgs', params: { city: 'Edinburgh', country: 'UK', units: 'c' } }],
    finish: 'tool_calls',
    usage: [76, 24, 100],
  },
  [BIN_PARALLEL]: {
    calls: [
      { id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs', params: { city: 'Edinburgh', country: 'GB', units: 'c' } },
      { id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price', params: { ticker: 'AAPL', exchange: 'NASDAQ' } },
    ],
    finish: 'tool_calls',
    usage: [149, 60, 209],
  },
  'groq-tool-call.chunks.txt': {
    calls: [{ id: 'tk85n1k4m', name: 'weather', params: {} }],
    finish: 'tool_calls',
    usage: [210, 15, 225],
  },
  'deepseek-tool-call.chunks.txt': {
    calls: [{ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather', params: { location: 'San Francisco' } }],
    finish: 'tool_calls',
    usage: [339, 83, 422],
    reasoningTokens: 39,
    // "No content text": the finish chunk carries `content: ""`, as DeepSeek's non-streaming body does.
    content: (text) => assert.equal(text, ''),
  },
};

describe('OpenAI chat stream assembler (captured fixtures)', () => {
  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`reassembles ${file} as the README says`, () => {
      const { assembler, completedAt } = feed(file);
      const result = assembler.result();
      assert.deepEqual(
        result.toolCalls.map((c) => ({ id: c.id, name: c.name, params: c.params })),
        want.calls,
      );
      assert.deepEqual(result.toolCalls.map((c) => c.index), want.calls.map((_, i) => i));
      assert.deepEqual(completedAt.map((c) => c.call.call.id), want.calls.map((c) => c.id), 'each call completes exactly once');
      const body = result.body as { id: string; object: string; model: string; choices: Array<{ index: number; finish_reason: string; message: Record<string, unknown> }>; usage: unknown };
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.id, (readChunks0(file) as { id: string }).id);
      assert.equal(body.choices.length, 1);
      assert.equal(body.choices[0]?.finish_reason, want.finish);
      const message = body.choices[0]?.message ?? {};
      assert.equal(message.role, 'assistant');
      // The reassembled tool calls carry the raw argument text, which parses to the expected params.
      const rawCalls = (message.tool_calls ?? []) as Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
      assert.deepEqual(
        rawCalls.map((c) => [c.id, c.type, c.function.name, JSON.parse(c.function.arguments)]),
        want.calls.map((c) => [c.id, 'function', c.name, c.params]),
      );
      want.content?.(message.content);
      assert.deepEqual([result.usage.inputTokens, result.usage.outputTokens, result.usage.totalTokens], want.usage);
      if (want.reasoningTokens !== undefined) assert.equal(result.usage.reasoningTokens, want.reasoningTokens);
    });
  }

  it('keeps DeepSeek reasoning text (191 chars) out of the content', () => {
    const message = (feed('deepseek-tool-call.chunks.txt').assembler.result().body as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]?.message;
    assert.equal((message?.reasoning_content as string).length, 191);
    assert.ok((message?.reasoning_content as string).startsWith('The user is asking for the weather in San Francisco.'));
  });

  it('parallel calls: call 0 completes when call 1 starts, call 1 at the finish chunk', () => {
    const { completedAt, infos } = feed(BIN_PARALLEL);
    const evs = events(BIN_PARALLEL);
    const startOf1 = evs.findIndex((e) => e.data.includes('call_DNYTawLBoN8fj3KN6qU9N1Ou'));
    const finish = evs.findIndex((e) => e.data.includes('"finish_reason":"tool_calls"'));
    assert.deepEqual(
      completedAt.map((c) => [c.call.call.name, c.event]),
      [
        ['GetWeatherArgs', startOf1],
        ['get_stock_price', finish],
      ],
    );
    // Argument fragments are counted in the README: 11 for index 0, then 9 for index 1.
    const fragments = (key: string) => infos.filter((info, i) => info.calls?.includes(key) && !evs[i]?.data.includes('"id":"call_')).length;
    assert.deepEqual([fragments('0:0'), fragments('0:1')], [11, 9]);
  });

  it('marks tool-call events with their call, text deltas as unordered, finish/usage/[DONE] as ordered', () => {
    const text = feed('openai-text.chunks.txt').infos;
    const lines = readChunks('openai-chat', 'openai-text.chunks.txt') as Array<{ choices: Array<{ delta?: { content?: string }; finish_reason: unknown }> }>;
    lines.forEach((chunk, i) => {
      const choice = chunk.choices[0];
      const info = text[i] as StreamEventInfo;
      assert.equal(info.calls, undefined);
      const isFinishOrUsage = choice === undefined || choice.finish_reason !== null;
      assert.equal(info.ordered, isFinishOrUsage, `chunk ${i}`);
    });
    assert.equal(text.at(-1)?.ordered, true, '[DONE]');
    const single = feed(BIN_SINGLE).infos;
    assert.deepEqual(single[0]?.calls, ['0:0']);
    assert.equal(single[0]?.ordered, true);
  });

  it('tolerates CRLF framing and a stream cut off mid-arguments', () => {
    const crlf = wire(BIN_SINGLE).toString('utf8').replace(/\n/g, '\r\n');
    const framer = new SseFramer();
    const assembler = openAiChatFormat.createStreamAssembler();
    for (const ev of [...framer.push(crlf), ...framer.end()]) assembler.push(ev);
    assembler.end();
    assert.deepEqual(assembler.result().toolCalls[0]?.params, { city: 'Edinburgh', country: 'UK', units: 'c' });

    const cut = events(BIN_SINGLE).slice(0, 6);
    const partial = openAiChatFormat.createStreamAssembler();
    for (const ev of cut) partial.push(ev);
    const ended = partial.end();
    assert.equal(ended.length, 1);
    assert.deepEqual(Object.keys(ended[0]?.call.params ?? {}), ['_raw']);
  });
});

function readChunks0(file: string): unknown {
  return JSON.parse(events(file)[0]?.data ?? 'null');
}

describe('OpenAI chat stream rewrite (strip)', () => {
  /** Feeds a fixture, strips the given call keys once they complete, and returns the rewritten wire text. */
  function stripped(file: string, keys: string[]): string {
    const assembler = openAiChatFormat.createStreamAssembler();
    const strippedCalls = new Map<string, StrippedCall>();
    const held: SseEvent[] = [];
    let out = '';
    for (const ev of events(file)) {
      const info = assembler.push(ev);
      for (const c of info.completes ?? []) if (keys.includes(c.key)) strippedCalls.set(c.key, { call: c.call, message: 'not allowed' });
      const pendingHere = info.calls?.some((k) => keys.includes(k) && !strippedCalls.has(k));
      if (pendingHere) {
        // A real relay holds these; strip decisions arrive once the call completes. Hold until then.
        held.push(ev);
        continue;
      }
      for (const h of held.splice(0)) out += assembler.rewrite(h, strippedCalls).map((e) => e.raw).join('');
      out += (strippedCalls.size === 0 ? [ev] : assembler.rewrite(ev, strippedCalls)).map((e) => e.raw).join('');
    }
    return out;
  }

  function reassemble(text: string) {
    const framer = new SseFramer();
    const assembler = openAiChatFormat.createStreamAssembler();
    for (const ev of [...framer.push(text), ...framer.end()]) assembler.push(ev);
    assembler.end();
    return assembler.result();
  }

  it('removes the first of two parallel calls, renumbers the second, keeps finish_reason tool_calls', () => {
    const result = reassemble(stripped(BIN_PARALLEL, ['0:0']));
    assert.deepEqual(result.toolCalls.map((c) => [c.id, c.name, c.index]), [['call_DNYTawLBoN8fj3KN6qU9N1Ou', 'get_stock_price', 0]]);
    const choice = (result.body as { choices: Array<{ finish_reason: string; message: { content: string; tool_calls: Array<{ id: string }> } }> }).choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, `${strippedCallNote('GetWeatherArgs', 'not allowed')}\n`);
  });

  it('removing every call turns finish_reason into stop', () => {
    const result = reassemble(stripped(BIN_PARALLEL, ['0:0', '0:1']));
    assert.deepEqual(result.toolCalls, []);
    const choice = (result.body as { choices: Array<{ finish_reason: string; message: { content: string } }> }).choices[0];
    assert.equal(choice?.finish_reason, 'stop');
    assert.match(choice?.message.content ?? '', /GetWeatherArgs/);
    assert.match(choice?.message.content ?? '', /get_stock_price/);
    assert.equal(result.usage.totalTokens, 209, 'the usage chunk survives');
  });
});

describe('OpenAI chat non-streaming responses', () => {
  const deepseek = JSON.parse(readFixture('openai-chat', 'deepseek-tool-call.json').toString('utf8')) as Record<string, unknown>;

  it('reads tool calls and usage from deepseek-tool-call.json', () => {
    const info = openAiChatFormat.readResponse(deepseek);
    assert.deepEqual(info.toolCalls, [{ id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', name: 'weather', params: { location: 'San Francisco' }, index: 0 }]);
    assert.deepEqual(info.usage, { inputTokens: 339, outputTokens: 92, totalTokens: 431, cachedTokens: 320, reasoningTokens: 48, cacheWriteTokens: 0 });
  });

  it('strips a call: gone from tool_calls, a note in content, finish_reason stop; the input is not mutated', () => {
    const before = structuredClone(deepseek);
    const call = openAiChatFormat.readResponse(deepseek).toolCalls[0]!;
    const out = openAiChatFormat.stripToolCalls(deepseek, [{ call, message: 'weather is classified' }]) as { choices: Array<{ finish_reason: string; message: Record<string, unknown> }> };
    assert.deepEqual(deepseek, before);
    const choice = out.choices[0]!;
    assert.equal(choice.message.tool_calls, undefined);
    assert.equal(choice.message.content, strippedCallNote('weather', 'weather is classified'));
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.message.reasoning_content, (before.choices as Array<{ message: { reasoning_content: string } }>)[0]?.message.reasoning_content);
    assert.deepEqual(openAiChatFormat.readResponse(out).toolCalls, []);
  });

  it('reads the legacy function_call shape', () => {
    const info = openAiChatFormat.readResponse({ choices: [{ index: 0, message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{"a":1}' } }, finish_reason: 'function_call' }] });
    assert.deepEqual(info.toolCalls.map((c) => [c.name, c.params]), [['f', { a: 1 }]]);
  });
});

describe('OpenAI chat requests and errors', () => {
  const read = (body: Record<string, unknown>) => openAiChatFormat.readRequest({ body, path: '/v1/chat/completions', params: {}, query: new URLSearchParams() });

  it('reads model and stream; refuses a missing model, a non-boolean stream and missing messages with 400', () => {
    assert.deepEqual(read({ model: 'm', messages: [], stream: true }), { model: 'm', stream: true });
    assert.deepEqual(read({ model: 'm', messages: [] }), { model: 'm', stream: false });
    for (const body of [{ messages: [] }, { model: '', messages: [] }, { model: 7, messages: [] }, { model: 'm', messages: [], stream: 'yes' }, { model: 'm' }]) {
      assert.throws(() => read(body), (err: unknown) => err instanceof ApiErrorException && err.apiError.status === 400, JSON.stringify(body));
    }
  });

  it('writes the OpenAI error envelope', () => {
    assert.deepEqual(openAiErrorBody(apiError('not_found', 'no such model', { code: 'model_not_found' })), {
      error: { message: 'no such model', type: 'not_found_error', param: null, code: 'model_not_found' },
    });
    assert.deepEqual(openAiErrorBody(apiError('guardrail', 'blocked', { type: 'guardrail_blocked' })).error.type, 'guardrail_blocked');
    const event = openAiChatFormat.streamErrorEvent(apiError('permission', 'tool call "bash" blocked'));
    assert.equal(event, `data: ${JSON.stringify({ error: { message: 'tool call "bash" blocked', type: 'permission_error', param: null, code: null } })}\n\n`);
  });

  it('reads the user message, declared tools, and filters tools', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'second' }] },
      ],
      tools: [
        { type: 'function', function: { name: 'bash', description: 'run', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'read' } },
      ],
      tool_choice: { type: 'function', function: { name: 'bash' } },
    };
    assert.equal(openAiChatFormat.userMessage(body), 'first\nsecond');
    assert.deepEqual(openAiChatFormat.declaredTools(body).map((t) => t.name), ['bash', 'read']);
    const filtered = openAiChatFormat.filterTools(body, (t) => t.name !== 'bash');
    assert.deepEqual(openAiChatFormat.declaredTools(filtered).map((t) => t.name), ['read']);
    assert.equal(filtered.tool_choice, undefined, 'a tool_choice naming a removed tool is dropped');
    const none = openAiChatFormat.filterTools(body, () => false);
    assert.deepEqual([none.tools, none.tool_choice], [undefined, undefined]);
  });

  it('parses tool arguments leniently', () => {
    assert.deepEqual(parseToolArguments(''), {});
    assert.deepEqual(parseToolArguments('  '), {});
    assert.deepEqual(parseToolArguments('{"a":1}'), { a: 1 });
    assert.deepEqual(parseToolArguments('[1]'), { value: [1] });
    assert.deepEqual(parseToolArguments('{"a":'), { _raw: '{"a":' });
  });
});
