import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseFramer, type SseSink } from '../src/sse/sse-framer.js';
import type { SseEvent } from '../src/sse/sse-event.js';
import { JsonStringTemplate } from '../src/formats/json-string-template.js';
import { OpenAiChatStreamAssembler } from '../src/formats/openai-chat/openai-chat-stream.js';

/** The text-only test of the OpenAI chat assembler (`onlyText`), as it reads a chunk's data. */
const MORE_THAN_TEXT = /"(?:tool_calls|function_call|message|refusal|error|usage|finish_reason)"\s*:\s*(?!null\b)/;
const onlyText = (d: string): boolean => d.startsWith('{') && d.endsWith('}') && !MORE_THAN_TEXT.test(d) && !/\\u00[0-7]/.test(d);

/** Cuts `bytes` at `cuts` (any byte, inside UTF-8 sequences too). */
function pieces(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

const line = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `data: ${s.replace(/[\r\n]/g, ' ')}`),
  fc.constantFrom('data: {"a":"p"}', 'data:{"p":1}', 'event: x', ': comment', 'data', 'id: 3'),
);
const event = fc.tuple(fc.array(line, { minLength: 1, maxLength: 3 }), fc.constantFrom('\n', '\r\n', '\r')).map(([lines, br]) => lines.join(br) + br + br);

describe('SseFramer.feed', () => {
  it('hands the sink, in order, exactly the events push frames: passed ones as their text, the others as events', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const bytes = Buffer.from(events.join(''));
        const chunks = pieces(bytes, cuts);
        const reference = new SseFramer();
        const want: SseEvent[] = [...chunks.flatMap((c) => reference.push(c)), ...reference.end()];
        const framer = new SseFramer();
        const got: Array<string | SseEvent> = [];
        const asked: string[] = [];
        const sink: SseSink = {
          // Passes data events whose data has a "p", checks the offsets it is given.
          passes: (text, start, end) => {
            asked.push(text.slice(start, end));
            return text.slice(start, end).includes('p');
          },
          passed: (raw) => got.push(raw),
          event: (e) => got.push(e),
        };
        for (const c of chunks) framer.feed(c, sink);
        got.push(...framer.end());
        // The same bytes, in the same order.
        assert.equal(got.map((g) => (typeof g === 'string' ? g : g.raw)).join(''), want.map((e) => e.raw).join(''));
        // Position by position (identical events may be passed once and framed the next time, when
        // one spans two chunks): each event not passed is the very event push makes; each passed
        // one is a one-line data event the sink said passes.
        const expanded: Array<{ raw: string; event?: SseEvent }> = [];
        for (const g of got) {
          if (typeof g === 'string') for (const raw of g.split(/(?<=\n\n)/)) expanded.push({ raw });
          else expanded.push({ raw: g.raw, event: g });
        }
        assert.equal(expanded.length, want.length);
        let passedCount = 0;
        expanded.forEach((x, i) => {
          const w = want[i] as SseEvent;
          assert.equal(x.raw, w.raw);
          if (x.event !== undefined) assert.deepEqual(x.event, w);
          else {
            passedCount++;
            assert.match(x.raw, /^data: ?[^\r\n]*p[^\r\n]*\n\n$/);
            assert.ok(asked.includes(w.data), 'a passed event was asked about');
          }
        });
        assert.ok(asked.filter((a) => a.includes('p')).length >= passedCount, 'every passed event was one the sink passed');
      }),
      // The first counterexample found: two identical events, the second cut across two chunks.
      { numRuns: 400, examples: [[['data: {"a":"p"}\n\n', 'data: {"a":"p"}\n\n'], [47688]]] },
    );
  });
});

describe('JsonStringTemplate', () => {
  const checked = '{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":null}]}';
  const template = JsonStringTemplate.learn(checked, 'content') as JsonStringTemplate;
  const parts = checked.split('hello');
  const piece = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constantFrom('"', '\\', '\\"', '\\\\', '\\u0041', '\\u00e9', '\\\\u0041', '","tool_calls":[{"index":0}],"x":"', 'usage', '"usage":{}', ':', '\\n'),
  );

  it('matches a chunk only when the text-only test would accept it too', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (ps) => {
        const data = parts[0] + ps.join('') + parts[1];
        const framed = `data: ${data}\n\n`;
        if (template.matches(framed, 6, framed.length - 2, true)) assert.ok(onlyText(data), data);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches plain text in place of the value, and not a changed fixed part', () => {
    const at = (value: string) => {
      const text = `x${parts[0]}${value}${parts[1]}y`;
      return template.matches(text, 1, text.length - 1, true);
    };
    assert.ok(at('some words, \\"quoted\\"\\n'));
    assert.ok(at(''));
    assert.ok(!at('a\\'));
    assert.ok(!at('a"b'));
    assert.ok(!at('\\u0041'));
    assert.ok(!template.matches(checked.replace('null', '"stop"'), 0, checked.length + 2, true));
  });

  it('is not learned around a string followed by a colon (a key)', () => {
    assert.equal(JsonStringTemplate.learn('{"content":"a":1}', 'content'), undefined);
  });
});

describe('OpenAiChatStreamAssembler.skipText', () => {
  it('skips only chunks push would answer EMPTY for, and never before content was seen or with a body to build', () => {
    const chunk = (delta: string, finish = 'null') => `{"id":"c","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}`;
    const ask = (a: OpenAiChatStreamAssembler, data: string) => a.skipText(`data: ${data}\n\n`, 6, 6 + data.length);
    const lean = new OpenAiChatStreamAssembler({ body: false, strict: true });
    const full = new OpenAiChatStreamAssembler({ body: true, strict: true });
    for (const a of [lean, full]) {
      assert.equal(ask(a, chunk('{"content":"a"}')), false);
      const feed = (data: string) => a.push({ raw: `data: ${data}\n\n`, event: undefined, data, hasData: true });
      feed(chunk('{"role":"assistant","content":""}'));
      feed(chunk('{"content":"a"}'));
      feed(chunk('{"content":"b"}'));
    }
    assert.equal(ask(lean, chunk('{"content":"more text"}')), true);
    assert.equal(ask(full, chunk('{"content":"more text"}')), false);
    assert.equal(ask(lean, chunk('{"content":"x"}', '"stop"')), false);
    assert.equal(ask(lean, chunk('{"content":"x","tool_calls":[]}')), false);
    lean.push({ raw: 'data: [DONE]\n\n', event: undefined, data: '[DONE]', hasData: true });
    assert.equal(ask(lean, chunk('{"content":"more text"}')), false);
  });
});
