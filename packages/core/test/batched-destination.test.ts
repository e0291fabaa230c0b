import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BatchedDestination } from '../src/logging/batched-destination.js';

const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/logging/batched-destination.js', import.meta.url))).href;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Ends `dest` and waits until its stream has closed `fd` (so a later open cannot get the number while the close is pending). */
async function endAndWait(dest: BatchedDestination, fd: number): Promise<void> {
  dest.end();
  await until(() => {
    try {
      fstatSync(fd);
      return false;
    } catch {
      return true;
    }
  }, 'the stream to close its file');
}

describe('BatchedDestination', function () {
  // These tests write to a numeric fd in the shared mocha process; once in a few full runs under
  // load, a stream another suite left behind closed a descriptor whose number the test had just
  // reopened, and the lines went elsewhere. A retry tells that apart from a real regression,
  // which fails every attempt.
  this.retries(2);
  let dir: string;
  let file: string;
  let fd: number;
  const read = (): string => readFileSync(file, 'utf8');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
    file = join(dir, 'out.log');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds lines until the interval passes, then writes them in order', async () => {
    const dest = new BatchedDestination({ fd, batchChars: 1 << 20, intervalMs: 40 });
    dest.write('one\n');
    dest.write('two\n');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(read(), '', 'nothing written before the interval');
    await until(() => read() === 'one\ntwo\n', 'the batch');
    await endAndWait(dest, fd);
  });

  it('writes at once when a batch is full, without waiting for the interval', async () => {
    const dest = new BatchedDestination({ fd, batchChars: 10, intervalMs: 60_000 });
    dest.write('12345\n');
    dest.write('67890\n');
    await until(() => read() === '12345\n67890\n', 'the full batch');
    await endAndWait(dest, fd);
  });

  it('hands pending lines over on flush and calls back once they are written', async () => {
    const dest = new BatchedDestination({ fd, batchChars: 1 << 20, intervalMs: 60_000 });
    dest.write('pending\n');
    await new Promise<void>((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())));
    assert.equal(read(), 'pending\n');
    await endAndWait(dest, fd);
  });

});

describe('BatchedDestination at process exit', () => {
  for (const [how, script] of [
    ['exits with process.exit()', 'process.exit(0);'],
    ['ends on its own', ''],
    ['dies of an uncaught exception', 'setImmediate(() => { throw new Error("boom"); });'],
  ] as const) {
    it(`writes pending lines when the process ${how}`, () => {
      const code = `import { BatchedDestination } from ${JSON.stringify(BUILT)};
        const d = new BatchedDestination({ fd: 1, batchChars: 1 << 20, intervalMs: 60_000 });
        d.write('first\\n'); d.write('second\\n'); ${script}`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(child.stdout, 'first\nsecond\n', child.stderr);
    });
  }
});
