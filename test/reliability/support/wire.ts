import fc from 'fast-check';

/** One SSE event to send: its `event:` name (if any) and its `data` text. */
export interface WireEvent {
  readonly event?: string;
  readonly data: string;
}

/** How a list of events is framed on the wire: canonical, or as a hostile upstream might. */
export interface Framing {
  /** Line ending of every line. */
  readonly eol: '\n' | '\r\n' | '\r';
  /** `data: x` (true) or `data:x`. */
  readonly space: boolean;
  /** A byte-order mark at the start of the stream, at the start of one event's line, as the only separator between two events, or none. */
  readonly bom: 'none' | 'start' | 'line' | 'separator';
  /** One event's data line starts with a space. */
  readonly indent: boolean;
  /** Comment lines between events. */
  readonly comments: boolean;
  /** One event's JSON split over two `data:` lines (clients join them with a line feed). */
  readonly splitData: boolean;
  /** One event's JSON split over several lines without a `data:` prefix (read only by trimming readers). */
  readonly bareLines: boolean;
  /** Which event the single-event variations apply to. */
  readonly at: number;
  /** Byte positions where the upstream cuts its writes. */
  readonly cuts: readonly number[];
}

/** Framing as every provider sends it (LF, `data: `), only the chunking varies. */
export const canonicalFraming: fc.Arbitrary<Framing> = fc.record({
  eol: fc.constant('\n' as const),
  space: fc.constant(true),
  bom: fc.constant('none' as const),
  indent: fc.constant(false),
  comments: fc.constant(false),
  splitData: fc.constant(false),
  bareLines: fc.constant(false),
  at: fc.nat(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

/** Framing with every variation a hostile upstream or middlebox may use. */
export const anyFraming: fc.Arbitrary<Framing> = fc.record({
  eol: fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const),
  space: fc.boolean(),
  bom: fc.constantFrom('none' as const, 'start' as const, 'line' as const, 'separator' as const),
  indent: fc.boolean(),
  comments: fc.boolean(),
  splitData: fc.boolean(),
  bareLines: fc.boolean(),
  at: fc.nat(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

/** Mostly canonical framing (so that most runs deliver calls), sometimes hostile. */
export const framing: fc.Arbitrary<Framing> = fc.oneof({ arbitrary: canonicalFraming, weight: 2 }, { arbitrary: anyFraming, weight: 1 });

/** The SSE text of `events` framed as `f` says. */
export function frame(events: readonly WireEvent[], f: Framing): string {
  const eol = f.eol;
  const at = events.length === 0 ? -1 : f.at % events.length;
  let out = f.bom === 'start' ? '\uFEFF' : '';
  events.forEach((ev, i) => {
    const lines: string[] = [];
    if (ev.event !== undefined) lines.push(`event: ${ev.event}`);
    const prefix = f.space ? 'data: ' : 'data:';
    const open = ev.data.indexOf('{');
    if (i === at && f.bareLines && open === 0) {
      // Pretty-printed over several lines: a trimming reader parses it all, a WHATWG reader sees `{`.
      lines.push(`${prefix}{`, ...ev.data.slice(1).split(/(?<=,)/));
    } else if (i === at && f.splitData && open === 0) lines.push(`${prefix}{`, `${prefix}${ev.data.slice(1)}`);
    else lines.push(`${prefix}${ev.data}`);
    if (i === at && f.indent) lines[lines.length - 1] = ` ${lines[lines.length - 1]}`;
    if (i === at && f.bom === 'line') lines[0] = `\uFEFF${lines[0]}`;
    if (f.comments) lines.unshift(': keep-alive');
    out += lines.join(eol) + eol;
    // The blank line ending the event; a BOM-only line is a blank line for readers that drop BOMs per line.
    out += i === at && f.bom === 'separator' && i < events.length - 1 ? `\uFEFF${eol}` : eol;
  });
  return out;
}

/** `text` as UTF-8 bytes cut at `cuts` (positions taken modulo its length). */
export function cutBytes(text: string, cuts: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

/**
 * JSON text of `value` with adversarial spellings: a key written with a `\u00XX` escape, and a
 * duplicate of a key placed before (a decoy JSON.parse overrides) or after (the value JSON.parse
 * keeps) the real one.
 */
export function spell(value: Record<string, unknown>, how: { escapeKey?: string; duplicate?: { key: string; value: unknown; after: boolean } } = {}): string {
  let text = JSON.stringify(value);
  if (how.duplicate !== undefined) {
    const extra = `${JSON.stringify(how.duplicate.key)}:${JSON.stringify(how.duplicate.value)}`;
    text = how.duplicate.after ? `${text.slice(0, -1)},${extra}}` : `{${extra},${text.slice(1)}`;
  }
  if (how.escapeKey !== undefined) {
    const key = how.escapeKey;
    const escaped = `${key.slice(0, -1)}\\u00${key.charCodeAt(key.length - 1).toString(16).padStart(2, '0')}`;
    text = text.split(`"${key}":`).join(`"${escaped}":`);
  }
  return text;
}
