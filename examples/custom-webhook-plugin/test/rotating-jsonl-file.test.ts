import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingJsonlFile } from '../src/rotating-jsonl-file.js';

const line = (n: number, pad = 40) => `${JSON.stringify({ n, pad: 'x'.repeat(pad) })}\n`;
const numbers = (path: string): number[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { n: number }).n);

describe('RotatingJsonlFile', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jsonl-rotate-'));
    path = join(dir, 'audit', 'exchanges.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates before the size limit would be crossed and keeps only `keep` rotated files, newest first', async () => {
    const file = new RotatingJsonlFile(path, { maxBytes: 2 * line(0).length, keep: 2, daily: false });
    for (let n = 1; n <= 7; n++) await file.append(line(n));
    await file.close();
    assert.deepEqual(readdirSync(join(dir, 'audit')).sort(), ['exchanges.1.jsonl', 'exchanges.2.jsonl', 'exchanges.jsonl']);
    assert.deepEqual(numbers(file.rotatedPath(2)), [3, 4]);
    assert.deepEqual(numbers(file.rotatedPath(1)), [5, 6]);
    assert.deepEqual(numbers(path), [7]);
    for (const name of readdirSync(join(dir, 'audit'))) assert.ok(statSync(join(dir, 'audit', name)).size <= 2 * line(0).length);
  });

  it('gives a line longer than the limit a file of its own, and keep 0 deletes instead of keeping', async () => {
    const file = new RotatingJsonlFile(path, { maxBytes: 100, keep: 0, daily: false });
    await file.append(line(1, 10));
    await file.append(line(2, 500));
    await file.append(line(3, 10));
    await file.close();
    assert.deepEqual(readdirSync(join(dir, 'audit')), ['exchanges.jsonl']);
    assert.deepEqual(numbers(path), [3]);
  });

  it('rotates when the UTC date changes (daily), also for a file left by an earlier run', async () => {
    let now = Date.parse('2025-03-01T23:59:00Z');
    const clock = { now: () => now };
    const file = new RotatingJsonlFile(path, { maxBytes: 1e6, keep: 5, daily: true }, clock);
    await file.append(line(1));
    await file.append(line(2));
    now = Date.parse('2025-03-02T00:00:01Z');
    await file.append(line(3));
    await file.close();
    assert.deepEqual(numbers(file.rotatedPath(1)), [1, 2]);
    assert.deepEqual(numbers(path), [3]);

    // A restart on another day: the file's date comes from its modification time.
    utimesSync(path, new Date('2025-03-02T10:00:00Z'), new Date('2025-03-02T10:00:00Z'));
    now = Date.parse('2025-03-03T08:00:00Z');
    const again = new RotatingJsonlFile(path, { maxBytes: 1e6, keep: 5, daily: true }, clock);
    await again.append(line(4));
    await again.close();
    assert.deepEqual([numbers(again.rotatedPath(2)), numbers(again.rotatedPath(1)), numbers(path)], [[1, 2], [3], [4]]);
  });

  it('continues a file across restarts with its size, and prunes rotations beyond a lowered keep', async () => {
    const size = line(0).length;
    const first = new RotatingJsonlFile(path, { maxBytes: 3 * size, keep: 5, daily: false });
    for (let n = 1; n <= 8; n++) await first.append(line(n));
    await first.close();
    assert.deepEqual(readdirSync(join(dir, 'audit')).sort(), ['exchanges.1.jsonl', 'exchanges.2.jsonl', 'exchanges.jsonl']);
    writeFileSync(first.rotatedPath(4), line(0)); // a leftover of an earlier, larger keep

    const second = new RotatingJsonlFile(path, { maxBytes: 3 * size, keep: 1, daily: false });
    await second.append(line(9)); // fits: the current file holds 7, 8
    assert.deepEqual(numbers(path), [7, 8, 9]);
    await second.append(line(10)); // rotates
    await second.close();
    assert.deepEqual(readdirSync(join(dir, 'audit')).sort(), ['exchanges.1.jsonl', 'exchanges.jsonl']);
    assert.deepEqual(numbers(second.rotatedPath(1)), [7, 8, 9]);
    assert.deepEqual(numbers(path), [10]);
  });

  it('never interleaves concurrent appends', async () => {
    const file = new RotatingJsonlFile(path, { maxBytes: 1e6, keep: 1, daily: false });
    await Promise.all(Array.from({ length: 200 }, (_, n) => file.append(line(n, 300))));
    await file.close();
    assert.deepEqual(numbers(path), Array.from({ length: 200 }, (_, n) => n));
  });
});
