import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable pointing at the provider fixtures directory. */
export const FIXTURES_ENV = 'TOLLGATE_FIXTURES_DIR';

/** API formats of the captured fixtures (their sub-directories). */
export type FixtureFormat = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';

let cached: string | undefined;

/**
 * The directory of the captured provider fixtures: `TOLLGATE_FIXTURES_DIR` when set, else the copy
 * shipped in this package (`fixtures/providers`, byte-for-byte copies with their provenance in its
 * README). Throws when neither exists, so a test that needs fixtures fails loudly instead of skipping.
 */
export function fixturesDir(): string {
  if (cached !== undefined) return cached;
  const fromEnv = process.env[FIXTURES_ENV];
  const candidates = [...(fromEnv ? [fromEnv] : []), fileURLToPath(new URL('../fixtures/providers', import.meta.url))];
  for (const c of candidates) {
    if (existsSync(join(c, 'README.md'))) {
      cached = resolve(c);
      return cached;
    }
  }
  throw new Error(`provider fixtures not found; set ${FIXTURES_ENV} (looked in: ${candidates.join(', ')})`);
}

/** Path of one fixture file (`fixturePath('openai-chat', 'groq-tool-call.chunks.txt')`). */
export function fixturePath(format: FixtureFormat, file: string): string {
  return join(fixturesDir(), format, file);
}

/** Raw bytes of a fixture file. */
export function readFixture(format: FixtureFormat, file: string): Buffer {
  return readFileSync(fixturePath(format, file));
}

/** The JSON objects of a `*.chunks.txt` fixture (one `data:` payload per non-empty line). */
export function readChunks(format: FixtureFormat, file: string): unknown[] {
  return readFixture(format, file)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** The exact lines (text) of a `*.chunks.txt` fixture, for byte-faithful replay. */
export function readChunkLines(format: FixtureFormat, file: string): string[] {
  return readFixture(format, file)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * Turns chunk lines back into wire SSE, per the fixtures README: OpenAI chat and Gemini frame
 * each as `data: <line>\n\n` (OpenAI chat ends with `data: [DONE]`); OpenAI responses and
 * Anthropic add `event: <type>` copied from the chunk's `type`.
 */
export function chunksToSse(format: FixtureFormat, lines: readonly string[]): string[] {
  const frames = lines.map((line) => {
    if (format === 'openai-responses' || format === 'anthropic-messages') {
      const type = (JSON.parse(line) as { type?: string }).type ?? 'message';
      return `event: ${type}\ndata: ${line}\n\n`;
    }
    return `data: ${line}\n\n`;
  });
  if (format === 'openai-chat') frames.push('data: [DONE]\n\n');
  return frames;
}
