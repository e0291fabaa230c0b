import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanJson } from '../src/http/scan-json.js';

/** Strings rich in what a scanner can get wrong: quotes, backslashes, brackets, multi-byte text. */
const unit = fc.constantFrom('"', '\\', '\\\\', 'a', 'é', '😀', '\n', '{', '}', '[', ']', ':', ',');
/** Short strings, and long ones (past 48 bytes the scanner switches to a native search). */
const tricky = fc.oneof(fc.string({ unit, maxLength: 12 }), fc.string({ unit, minLength: 30, maxLength: 160, size: 'max' }));
/** JSON values whose strings are tricky, short and long (the scanner switches strategy past 48 bytes). */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(tricky, fc.integer(), fc.boolean(), fc.constant(null)),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(tricky, tie('node'), { maxKeys: 4 })),
})).node;

/** Nesting depth of a JSON value: containers count, strings never do. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('scanJson', () => {
  it('measures nesting exactly, whatever brackets and escapes the strings hold', () => {
    fc.assert(
      fc.property(fc.dictionary(tricky, value, { maxKeys: 5 }), (obj) => {
        const buf = Buffer.from(JSON.stringify(obj));
        const depth = depthOf(obj);
        assert.equal(scanJson(buf, depth).tooDeep, false);
        assert.equal(scanJson(buf, depth - 1).tooDeep, true);
        assert.equal(scanJson(buf, depth).duplicateKey, undefined, 'JSON.stringify never repeats a key');
      }),
      { numRuns: 400 },
    );
  });

  it('finds a repeated top-level key however it is spelled and whatever comes before it', () => {
    fc.assert(
      fc.property(tricky, value, value, fc.boolean(), (key, a, b, escapeAll) => {
        // The same key once as JSON.stringify writes it and once with every character \u-escaped.
        const plain = JSON.stringify(key);
        const units = Array.from({ length: key.length }, (_, i) => `\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}`);
        const escaped = escapeAll ? `"${units.join('')}"` : plain;
        const raw = `{ ${plain} : ${JSON.stringify(a)},\n\t${escaped}:${JSON.stringify(b)} }`;
        const scan = scanJson(Buffer.from(raw), 1000);
        assert.equal(scan.duplicateKey, key);
      }),
      { numRuns: 400 },
    );
  });

  it('does not take keys of nested objects or string contents for top-level keys', () => {
    const raw = Buffer.from(JSON.stringify({ model: 'm', messages: [{ model: 'x' }], note: `${'\\"model\\": '.repeat(20)}"model":` }));
    assert.deepEqual(scanJson(raw, 10), { tooDeep: false });
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const backing = Buffer.from(`xxxx{"a":1,"a":2}yyyy`);
    assert.equal(scanJson(new Uint8Array(backing.buffer, backing.byteOffset + 4, backing.length - 8), 5).duplicateKey, 'a');
  });
});
