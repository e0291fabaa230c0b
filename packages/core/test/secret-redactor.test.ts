import assert from 'node:assert/strict';
import { SecretRedactor } from '@tollgate/core/internal';
import fc from 'fast-check';

const KEYS = ['sk-proj-abcDEF123456', 'sk-ant-api03-xyz789', 'AIzaSyA-key/with+slash'];

/** What a whole-text replacement gives (the oracle): longest key first at each position. */
function expected(text: string, keys: readonly string[]): string {
  const patterns = [...new Set(keys.flatMap((k) => [k, k.replaceAll('/', '\\/')]))].sort((a, b) => b.length - a.length);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const hit = patterns.find((p) => text.startsWith(p, i));
    if (hit === undefined) {
      out += text[i];
      i++;
    } else {
      out += '***';
      i += hit.length;
    }
  }
  return out;
}

/** Feeds `text` to a stream redactor cut at `cuts`; returns the output and the most bytes it held. */
function streamed(redactor: SecretRedactor, text: string, cuts: readonly number[]): { out: string; maxHeld: number } {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const s = redactor.stream();
  const parts: Buffer[] = [];
  let prev = 0;
  let maxHeld = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(s.push(bytes.subarray(prev, p)));
    prev = p;
    maxHeld = Math.max(maxHeld, s.holding);
  }
  parts.push(s.end());
  return { out: Buffer.concat(parts).toString(), maxHeld };
}

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(KEYS);

  it('replaces every key in a whole body, its JSON spelling too, and leaves other bytes alone', () => {
    const escaped = KEYS[2]!.replaceAll('/', '\\/');
    const body = Buffer.from(`{"a":"Bearer ${KEYS[0]}","b":"${KEYS[2]}","e":"${escaped}","c":"sk-proj-abc","d":["${KEYS[1]}","${KEYS[1]}"]}`);
    const r = redactor.redact(body);
    assert.equal(r.count, 5);
    assert.deepEqual(JSON.parse(r.buf.toString()), { a: 'Bearer ***', b: '***', e: '***', c: 'sk-proj-abc', d: ['***', '***'] });
    const clean = Buffer.from('{"no":"keys here"}');
    assert.equal(redactor.redact(clean).buf, clean, 'the same buffer when nothing is found');
    assert.equal(redactor.redactText(`id-${KEYS[0]}`), 'id-***');
  });

  it('finds keys split across chunks at any byte, holds at most a key-length minus one, and releases a chunk that ends an SSE event at once', () => {
    const maxKey = Math.max(...KEYS.map((k) => Buffer.byteLength(k.replaceAll('/', '\\/'))));
    const piece = fc.oneof(fc.constantFrom(...KEYS, ...KEYS.map((k) => k.slice(0, 7)), 'data: {"x":"', '"}\n\n', 'sk-', 'é€', '\\/'), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), (pieces, cuts) => {
        const text = pieces.join('');
        const { out, maxHeld } = streamed(redactor, text, cuts);
        assert.equal(out, expected(text, KEYS));
        assert.ok(maxHeld <= maxKey - 1, `held ${maxHeld} bytes`);
      }),
      { numRuns: 500, seed: 14 },
    );
    const s = redactor.stream();
    const event = Buffer.from(`data: {"text":"sk-proj-abc"}\n\n`);
    assert.equal(s.push(event).length, event.length, 'a chunk ending with an event boundary is released whole');
  });

  it('ignores secrets shorter than six characters and builds a wider redactor only when needed', () => {
    const r = new SecretRedactor(['short', '']);
    assert.equal(r.empty, true);
    assert.equal(redactor.with([KEYS[0]!]), redactor);
    const wider = redactor.with(['client-own-key-123']);
    assert.notEqual(wider, redactor);
    assert.equal(wider.redactText('x client-own-key-123 y'), 'x *** y');
  });
});
