import { StringDecoder } from 'node:string_decoder';
import { refuseUnreadable } from '../formats/unreadable-response.js';
import type { SseEvent } from './sse-event.js';

/** Limits of an {@link SseFramer}. */
export interface SseFramerOptions {
  /** Largest event (bytes of text) accepted before the stream is declared malformed. */
  readonly maxEventBytes?: number;
  /**
   * Refuse (throw `UnreadableResponseError`) framing that clients read differently: a line that
   * starts with a byte-order mark (the `openai` and `@anthropic-ai/sdk` decoders drop it from
   * every line, so a BOM-only line ends an event for them and `\uFEFFdata:` is a data line;
   * WHATWG readers drop it only at the start of the stream) or with whitespace (` data:` is no
   * field for WHATWG readers but a data line for `@google/genai`, which trims events). Used
   * whenever `onToolCall` is tapped.
   */
  readonly strict?: boolean;
}

/** Thrown when an upstream event exceeds the size limit. */
export class SseEventTooLargeError extends Error {
  constructor(limit: number) {
    super(`upstream SSE event larger than ${limit} bytes`);
    this.name = 'SseEventTooLargeError';
  }
}

const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** Where {@link SseFramer.feed} hands what it frames, in stream order. */
export interface SseSink {
  /**
   * Asked of each one-line `data:` event (ended by `\n\n`) before any object is made for it, with
   * its data at `text[start, end)`: true when it passes as it came. Consecutive passed events
   * reach {@link passed} as one text; the others reach {@link event}.
   */
  passes(text: string, start: number, end: number): boolean;
  /** Events that passed, as their exact text. */
  passed(raw: string): void;
  /** Any other event. */
  event(event: SseEvent): void;
}

/**
 * Splits an SSE byte stream into events while keeping each event's exact text, so that
 * pass-through is byte-faithful. Accepts LF, CRLF and CR line endings (per the SSE spec) and
 * chunk boundaries anywhere, including inside a multi-byte UTF-8 character.
 *
 * Hand-written because the pass-through needs the raw text of every event; SSE parsers on npm
 * (eventsource-parser) hand out only the parsed fields.
 */
export class SseFramer {
  readonly #decoder = new StringDecoder('utf8');
  readonly #maxEventBytes: number;
  readonly #strict: boolean;
  /** True when the next character received starts a line (strict mode). */
  #atLineStart = true;
  #buffer = '';
  /** Offset in #buffer from which to resume scanning for a blank line. */
  #scanFrom = 0;

  constructor(options: SseFramerOptions = {}) {
    this.#maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#strict = options.strict === true;
  }

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Buffer | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    if (this.#strict) this.#checkLineStarts(text);
    this.#buffer += text;
    return this.#drain();
  }

  /**
   * Feeds bytes; hands the events completed by them to `sink` as they are framed (so that what
   * the sink answers for one event may depend on the events before it).
   */
  feed(chunk: Buffer | string, sink: SseSink): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    if (this.#strict) this.#checkLineStarts(text);
    this.#buffer += text;
    this.#drain(sink);
  }

  /** Refuses a line of `text` (the next text of the stream) that starts with a BOM or whitespace. */
  #checkLineStarts(text: string): void {
    const n = text.length;
    if (n === 0) return;
    if (this.#atLineStart) checkLineStart(text.charCodeAt(0));
    // Native searches from line break to line break: a few per event.
    let i = 0;
    // The next CR (n when none): most streams have none, so one search settles it.
    let cr = -1;
    while (i < n) {
      if (cr < i) {
        cr = text.indexOf('\r', i);
        if (cr === -1) cr = n;
      }
      const lf = text.indexOf('\n', i);
      const k = lf === -1 || lf > cr ? cr : lf;
      if (k >= n) break;
      if (k + 1 < n) checkLineStart(text.charCodeAt(k + 1));
      i = k + 1;
    }
    const last = text.charCodeAt(n - 1);
    this.#atLineStart = last === 0x0a || last === 0x0d;
  }

  /** Ends the stream; returns a final event that lacked its blank line, if any. */
  end(): SseEvent[] {
    const rest = this.#decoder.end();
    if (this.#strict) this.#checkLineStarts(rest);
    this.#buffer += rest;
    const events = this.#drain();
    if (this.#buffer.trim().length > 0) events.push(parseEvent(this.#buffer));
    this.#buffer = '';
    this.#scanFrom = 0;
    return events;
  }

  /** Bytes buffered waiting for the end of an event. */
  get pending(): number {
    return this.#buffer.length;
  }

  #drain(sink?: SseSink): SseEvent[] {
    const events: SseEvent[] = [];
    // A run of events the sink passed: [runStart, runEnd) of the buffer (runStart -1: none).
    let runStart = -1;
    let runEnd = -1;
    const buf = this.#buffer;
    let start = 0;
    let i = this.#scanFrom;
    const n = buf.length;
    // Position of the next CR at or after i (n when there is none): most streams have none, so
    // one search settles it for the whole chunk.
    let cr = -1;
    // Line breaks seen in the current event so far, and whether one was a CR: an event of one
    // line ended by LF LF is parsed without searching its text again. Not known for an event
    // whose beginning an earlier push scanned (counted = false): that one is parsed in full.
    let breaks = 0;
    let sawCr = false;
    let counted = i === 0;
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) {
        // Jump to the next line break with native searches rather than a loop per character.
        if (cr < i) {
          cr = buf.indexOf('\r', i);
          if (cr === -1) cr = n;
        }
        const lf = buf.indexOf('\n', i);
        i = lf === -1 || lf > cr ? cr : lf;
        continue;
      }
      // End of a line at i. Find the start of the next line.
      let next = i + 1;
      if (c === 0x0d) {
        if (next >= n) break; // need to know whether LF follows
        if (buf.charCodeAt(next) === 0x0a) next++;
        sawCr = true;
      }
      breaks++;
      // Is the next line empty (a second line break right away)?
      if (next >= n) break;
      const d = buf.charCodeAt(next);
      if (d === 0x0a || d === 0x0d) {
        let end = next + 1;
        if (d === 0x0d) {
          if (end >= n) break;
          if (buf.charCodeAt(end) === 0x0a) end++;
        }
        // The limit holds for complete events too, not only for the unfinished tail: otherwise
        // an oversized event passes or fails depending on how the bytes happened to be chunked.
        if (end - start > this.#maxEventBytes) throw new SseEventTooLargeError(this.#maxEventBytes);
        const oneLine = counted && breaks === 1 && !sawCr && d === 0x0a;
        if (sink !== undefined && oneLine && startsWithData(buf, start) && sink.passes(buf, start + (buf.charCodeAt(start + 5) === 0x20 ? 6 : 5), end - 2)) {
          if (runStart === -1) runStart = start;
          runEnd = end;
        } else {
          if (runStart !== -1) {
            (sink as SseSink).passed(buf.slice(runStart, runEnd));
            runStart = -1;
          }
          const raw = buf.slice(start, end);
          // Stray blank lines become a data-less event so that the output stays byte-faithful.
          const event: SseEvent = NON_BLANK.test(raw) ? parseEvent(raw, oneLine) : { raw, event: undefined, data: '', hasData: false };
          if (sink !== undefined) sink.event(event);
          else events.push(event);
        }
        start = end;
        i = end;
        breaks = 0;
        sawCr = false;
        counted = true;
        continue;
      }
      i = next;
    }
    if (runStart !== -1) (sink as SseSink).passed(buf.slice(runStart, runEnd));
    this.#buffer = start === 0 ? buf : buf.slice(start);
    this.#scanFrom = Math.max(0, i - start);
    if (this.#buffer.length > this.#maxEventBytes) throw new SseEventTooLargeError(this.#maxEventBytes);
    return events;
  }
}

/** Refuses a line whose first character clients read differently (strict mode; see {@link SseFramerOptions.strict}). */
function checkLineStart(c: number): void {
  if (c === 0xfeff) refuseUnreadable('an SSE line starts with a byte-order mark');
  if (c === 0x20 || c === 0x09) refuseUnreadable('an SSE line starts with whitespace');
}

/** True when `text` has `data:` at `i` (character tests: cheaper than `startsWith` at an offset). */
function startsWithData(text: string, i: number): boolean {
  return text.charCodeAt(i) === 0x64 && text.charCodeAt(i + 1) === 0x61 && text.charCodeAt(i + 2) === 0x74 && text.charCodeAt(i + 3) === 0x61 && text.charCodeAt(i + 4) === 0x3a;
}

/** Matches text that is not all whitespace (the same characters `String.prototype.trim` removes). */
const NON_BLANK = /\S/;

/**
 * Parses the fields of one event's text. `oneLine`: the framer saw exactly one line ended by
 * "\n\n" (no CR), so a `data:` line is the whole event.
 */
function parseEvent(raw: string, oneLine = false): SseEvent {
  // Fast path for nearly every event of every provider: one `data:` line ended by "\n\n".
  if (oneLine && raw.startsWith('data:')) {
    return { raw, event: undefined, data: raw.slice(raw.charCodeAt(5) === 0x20 ? 6 : 5, raw.length - 2), hasData: true };
  }
  let event: string | undefined;
  let data: string[] | undefined;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line.length === 0 || line.charCodeAt(0) === 0x3a) continue; // blank or ':' comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') (data ??= []).push(value);
    else if (field === 'event') event = value;
  }
  return { raw, event, data: data === undefined ? '' : data.join('\n'), hasData: data !== undefined };
}
