import { type CompletedCall, type SseEvent, SseFramer, type StreamAssembler, type StreamEventInfo } from '@tollgate/core/formats';
import { type FixtureFormat, chunksToSse, readChunkLines, readFixture } from '@tollgate/testing';

/** What feeding a wire stream through a framer and an assembler gave. */
export interface Fed {
  readonly events: SseEvent[];
  readonly infos: StreamEventInfo[];
  /** Calls completed, in the order the assembler reported them (including `end()`). */
  readonly completed: CompletedCall[];
  readonly assembler: StreamAssembler;
}

/** Feeds wire bytes, split into the given chunks, through a fresh framer and `assembler`. */
export function feed(assembler: StreamAssembler, chunks: readonly Buffer[]): Fed {
  const framer = new SseFramer();
  const events: SseEvent[] = [];
  const infos: StreamEventInfo[] = [];
  const completed: CompletedCall[] = [];
  const take = (evs: SseEvent[]): void => {
    for (const ev of evs) {
      events.push(ev);
      const info = assembler.push(ev);
      infos.push(info);
      completed.push(...(info.completes ?? []));
    }
  };
  for (const c of chunks) take(framer.push(c));
  take(framer.end());
  completed.push(...assembler.end());
  return { events, infos, completed, assembler };
}

/** The wire SSE of a fixture: raw files as they are, chunks files framed per the fixtures README. */
export function wireOf(format: FixtureFormat, file: string): Buffer {
  if (!file.endsWith('.chunks.txt')) return readFixture(format, file);
  return Buffer.from(chunksToSse(format, readChunkLines(format, file)).join(''));
}

/** The JSON objects of each `data:` line of a chunks fixture. */
export function chunkObjects(format: FixtureFormat, file: string): Record<string, unknown>[] {
  return readChunkLines(format, file).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Splits `buf` at the given offsets (sorted, deduplicated, within bounds). */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(buf.length, c))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

/** Tool calls without their `index`, for comparing with the fixtures README. */
export function callsOf(calls: ReadonlyArray<{ id: string; name: string; params: unknown }>): Array<{ id: string; name: string; params: unknown }> {
  return calls.map(({ id, name, params }) => ({ id, name, params }));
}
