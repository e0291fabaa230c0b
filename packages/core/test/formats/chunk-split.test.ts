import assert from 'node:assert/strict';
import { AnthropicMessagesStreamAssembler, GeminiStreamAssembler, OpenAiResponsesStreamAssembler, type StreamAssembler, type StreamEventInfo, openAiChatFormat } from '@tollgate/core/formats';
import type { FixtureFormat } from '@tollgate/testing';
import fc from 'fast-check';
import { type Fed, feed, splitAt, wireOf } from './support.js';

const CASES: ReadonlyArray<{ format: FixtureFormat; create: () => StreamAssembler; files: readonly string[] }> = [
  {
    format: 'openai-chat',
    create: () => openAiChatFormat.createStreamAssembler(),
    files: [
      'openai-text.chunks.txt',
      'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin',
      'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin',
      'groq-tool-call.chunks.txt',
      'deepseek-tool-call.chunks.txt',
    ],
  },
  {
    format: 'openai-responses',
    create: () => new OpenAiResponsesStreamAssembler(),
    files: ['openai-issue-11239.1.chunks.txt', 'openai-issue-11239.2.chunks.txt', 'openai-error.1.chunks.txt', 'openai-reasoning-encrypted-content.1.chunks.txt'],
  },
  {
    format: 'anthropic-messages',
    create: () => new AnthropicMessagesStreamAssembler(),
    files: [
      'tool_use_response.txt',
      'anthropic-text.chunks.txt',
      'anthropic-issue-11719-quoted-tool-input.chunks.txt',
      'anthropic-issue-15652-false.chunks.txt',
      'anthropic-tool-no-args.chunks.txt',
      'anthropic-clear-thinking.1.chunks.txt',
    ],
  },
  {
    format: 'gemini',
    create: () => new GeminiStreamAssembler(),
    files: ['google-text.chunks.txt', 'google-tool-call.chunks.txt', 'google-stream-no-args-tool-call.chunks.txt', 'google-vertex-stream-tool-call-arguments-nested.1.chunks.txt'],
  },
];

/** What the gate sees of an event, comparable across runs. */
function gateView(info: StreamEventInfo): unknown {
  return { calls: info.calls ?? [], completes: (info.completes ?? []).map((c) => [c.key, c.call]), ordered: info.ordered };
}

function summary(fed: Fed): unknown {
  return { raw: fed.events.map((e) => e.raw), gate: fed.infos.map(gateView), completed: fed.completed.map((c) => c.key), result: fed.assembler.result() };
}

describe('stream assemblers: any chunk split gives the same result', () => {
  for (const { format, create, files } of CASES) {
    for (const file of files) {
      it(`${format}/${file}`, () => {
        const wire = wireOf(format, file);
        const whole = summary(feed(create(), [wire]));
        // Byte-by-byte once (splits inside every multi-byte character and CRLF), then random splits.
        assert.deepEqual(summary(feed(create(), [...wire].map((b) => Buffer.from([b])))), whole);
        fc.assert(
          fc.property(fc.array(fc.integer({ min: 0, max: wire.length }), { maxLength: 40 }), (cuts) => {
            assert.deepEqual(summary(feed(create(), splitAt(wire, cuts))), whole);
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  it('CRLF framing gives the same result as LF framing', () => {
    for (const { format, create, files } of CASES) {
      for (const file of files) {
        const wire = wireOf(format, file);
        const crlf = Buffer.from(wire.toString('utf8').replace(/\r?\n/g, '\r\n'));
        const a = feed(create(), [wire]).assembler.result();
        const b = feed(create(), [crlf]).assembler.result();
        assert.deepEqual(b, a, `${format}/${file}`);
      }
    }
  });
});
