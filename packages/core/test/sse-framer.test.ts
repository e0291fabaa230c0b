import assert from 'node:assert/strict';
import { SseEventTooLargeError, SseFramer } from '@tollgate/core/formats';

describe('SseFramer', () => {
  it('splits events across arbitrary chunk boundaries and keeps their exact text', () => {
    const wire = 'event: a\ndata: {"x":1}\n\ndata: line1\ndata: line2\r\n\r\n: comment\n\ndata: é\n\n';
    for (let cut = 1; cut < wire.length; cut++) {
      const framer = new SseFramer();
      const bytes = Buffer.from(wire);
      const events = [...framer.push(bytes.subarray(0, cut)), ...framer.push(bytes.subarray(cut)), ...framer.end()];
      assert.equal(events.map((e) => e.raw).join(''), wire, `cut at ${cut}`);
      assert.deepEqual(
        events.map((e) => [e.event, e.data, e.hasData]),
        [
          ['a', '{"x":1}', true],
          [undefined, 'line1\nline2', true],
          [undefined, '', false],
          [undefined, 'é', true],
        ],
      );
    }
  });
});

describe('SseFramer edge cases', () => {
  const all = (framer: SseFramer, ...chunks: string[]) => [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];

  it('accepts CR-only line endings, fields without a space, and ignores unknown fields', () => {
    const events = all(new SseFramer(), 'event:x\rdata:1\rid: 7\rretry: 10\r\rdata: 2\r\r');
    assert.deepEqual(events.map((e) => [e.event, e.data]), [['x', '1'], [undefined, '2']]);
    assert.equal(events.map((e) => e.raw).join(''), 'event:x\rdata:1\rid: 7\rretry: 10\r\rdata: 2\r\r');
  });

  it('waits for the blank line when a chunk ends after CR', () => {
    const framer = new SseFramer();
    assert.deepEqual(framer.push('data: a\r\n\r'), []);
    const events = framer.push('\n');
    assert.deepEqual(events.map((e) => e.raw), ['data: a\r\n\r\n']);
  });

  it('returns an unterminated last event at end(), keeps stray blank lines as data-less events', () => {
    const events = all(new SseFramer(), '\n\ndata: a\n\n', 'data: tail');
    assert.deepEqual(events.map((e) => [e.raw, e.hasData, e.data]), [
      ['\n\n', false, ''],
      ['data: a\n\n', true, 'a'],
      ['data: tail', true, 'tail'],
    ]);
  });

  it('refuses an event larger than the limit', () => {
    const framer = new SseFramer({ maxEventBytes: 32 });
    assert.doesNotThrow(() => framer.push('data: small\n\n'));
    assert.throws(() => framer.push(`data: ${'x'.repeat(64)}`), SseEventTooLargeError);
  });

  it('handles a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('data: 日本\n\n');
    const framer = new SseFramer();
    const events = [...framer.push(bytes.subarray(0, 8)), ...framer.push(bytes.subarray(8))];
    assert.deepEqual(events.map((e) => e.data), ['日本']);
  });
});
