import assert from 'node:assert/strict';
import { compileModelGlob, providerSegmentMatcher } from '@tollgate/plugin-grants';
import fc from 'fast-check';

/** `*` within one segment: a textbook wildcard match (dynamic programming), everything else literal. */
function segmentMatches(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  let row = new Array<boolean>(t.length + 1).fill(false);
  row[0] = true;
  for (const c of p) {
    const next = new Array<boolean>(t.length + 1).fill(false);
    if (c === '*') {
      next[0] = row[0]!;
      for (let j = 1; j <= t.length; j++) next[j] = row[j]! || next[j - 1]!;
    } else {
      for (let j = 1; j <= t.length; j++) next[j] = row[j - 1]! && t[j - 1] === c;
    }
    row = next;
  }
  return row[t.length]!;
}

/** The reference reading of Aperture's globs over `/`-segments: `**` as a whole segment is zero or more segments. */
function referenceMatch(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern as [string, ...string[]];
  if (head === '**') {
    for (let k = 0; k <= path.length; k++) if (referenceMatch(rest, path.slice(k))) return true;
    return false;
  }
  return path.length > 0 && segmentMatches(head, path[0]!) && referenceMatch(rest, path.slice(1));
}

/** Characters that are special in regular expressions or globs elsewhere, to catch any escaping slip. */
const tricky = fc.constantFrom('a', 'b', 'c', '.', '-', '?', '[', ']', '(', ')', '\\', '$', '^', '+', '|', '{', '}', 'é', '\n');
const literal = fc.string({ unit: tricky, maxLength: 4 });
const patternSegment = fc.oneof(literal, fc.constant('*'), fc.constant('**'), fc.tuple(literal, literal).map(([a, b]) => `${a}*${b}`), fc.constant('a*'));
const pattern = fc.array(patternSegment, { minLength: 1, maxLength: 4 });
const path = fc.array(literal, { minLength: 1, maxLength: 4 });

describe('properties: grant models globs', () => {
  it('the compiled glob agrees with the reference matcher on any pattern and model path', () => {
    fc.assert(
      fc.property(pattern, path, (segments, model) => {
        const re = compileModelGlob(segments.join('/'));
        assert.equal(re.test(model.join('/')), referenceMatch(segments, model), `${JSON.stringify(segments.join('/'))} vs ${JSON.stringify(model.join('/'))}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('a pattern made from a path by wildcarding parts of it always matches that path', () => {
    const derived = path.chain((model) =>
      fc
        .tuple(
          fc.array(fc.constantFrom('keep', 'star', 'prefix-star', 'globstar'), { minLength: model.length, maxLength: model.length }),
          fc.array(fc.nat(), { minLength: model.length, maxLength: model.length }),
        )
        .map(([how, at]) => {
          const segments: string[] = [];
          model.forEach((seg, i) => {
            const h = how[i];
            if (h === 'star') segments.push('*');
            else if (h === 'prefix-star') segments.push(`${seg.slice(0, (at[i] ?? 0) % (seg.length + 1))}*`);
            else if (h === 'globstar') {
              if (segments[segments.length - 1] !== '**') segments.push('**');
            } else segments.push(seg);
          });
          return { model: model.join('/'), glob: segments.join('/') };
        }),
    );
    fc.assert(
      fc.property(derived, ({ model, glob }) => {
        assert.ok(compileModelGlob(glob).test(model), `${JSON.stringify(glob)} matches ${JSON.stringify(model)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('"**" matches every model, a literal pattern only itself, and "*" never crosses a "/"', () => {
    fc.assert(
      fc.property(path, path, (a, b) => {
        assert.ok(compileModelGlob('**').test(a.join('/')));
        const lit = a.map((s) => s.replace(/\*/g, '')).join('/');
        assert.equal(compileModelGlob(lit).test(b.join('/')), lit === b.join('/'));
        assert.equal(compileModelGlob(a.map(() => '*').join('/')).test(b.join('/')), a.length === b.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('the provider pre-filter never rejects a provider the whole glob would accept', () => {
    const provider = fc.string({ unit: fc.constantFrom('a', 'b', '.', '-', '_', '1'), minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(pattern, provider, path, (segments, p, model) => {
        const glob = segments.join('/');
        const pre = providerSegmentMatcher(glob);
        if (compileModelGlob(glob).test(`${p}/${model.join('/')}`)) assert.ok(pre === undefined || pre.test(p), `${JSON.stringify(glob)} for provider ${p}`);
      }),
      { numRuns: 3000 },
    );
  });
});
