import assert from 'node:assert/strict';
import { SseFramer } from '@tollgate/core';

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
