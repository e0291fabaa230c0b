import type { StreamAssembler } from './format-adapter.js';

/**
 * An optional ability of a {@link StreamAssembler}: telling, from the text of a one-line `data:`
 * event without an event object, that the event only carries text nobody asked to keep, so the
 * relay passes its bytes on as they came.
 */
export interface TextOnlySkipper {
  /**
   * True when the event whose `data` is `text[start, end)` may be skipped: `push` of it would
   * answer no calls, completions nor order and change no state, and `wrote` would do nothing.
   * Must not change the assembler's state.
   */
  skipText(text: string, start: number, end: number): boolean;
}

/** The assembler's {@link TextOnlySkipper}, if it has one. */
export function textOnlySkipper(assembler: StreamAssembler): TextOnlySkipper | undefined {
  const candidate = assembler as StreamAssembler & Partial<TextOnlySkipper>;
  return typeof candidate.skipText === 'function' ? (candidate as StreamAssembler & TextOnlySkipper) : undefined;
}
