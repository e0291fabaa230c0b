/** Result of {@link scanJson}. */
export interface JsonScan {
  /** Nesting deeper than allowed. */
  readonly tooDeep: boolean;
  /** A key that appears twice in the top-level object, if any. */
  readonly duplicateKey?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Bytes of a string scanned in JavaScript before `indexOf` takes over (most JSON strings are short). */
const SHORT_STRING = 48;

/**
 * The index of the quote that closes the string opened at `open`, or -1 when it is not closed.
 * Short strings are scanned here; past {@link SHORT_STRING} bytes `indexOf` runs natively over the
 * rest (text is most of an LLM request), and the backslashes just before a candidate quote tell
 * whether it is escaped.
 */
function closingQuote(buf: Buffer, open: number): number {
  const n = buf.length;
  const limit = Math.min(n, open + SHORT_STRING);
  let k = open + 1;
  for (; k < limit; k++) {
    const c = buf[k] as number;
    if (c === QUOTE) return k;
    if (c === BACKSLASH) k++;
  }
  if (k >= n) return -1;
  let q = buf.indexOf(QUOTE, k);
  while (q !== -1) {
    let b = q - 1;
    while (buf[b] === BACKSLASH) b--; // stops at the opening quote at the latest
    if ((q - 1 - b) % 2 === 0) return q;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return -1;
}

/**
 * One pass over raw JSON bytes: measures nesting depth (so a depth bomb is refused before it is
 * parsed) and finds duplicate top-level keys (a body whose `model` appears twice could be read
 * one way here and another way upstream).
 */
export function scanJson(bytes: Uint8Array, maxDepth: number): JsonScan {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let depth = 0;
  let keys: Set<string> | undefined;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      const start = i;
      const end = closingQuote(buf, start);
      if (end === -1) return { tooDeep: false }; // unterminated: JSON.parse of the body reports it
      i = end;
      if (depth === 1) {
        let j = i + 1;
        while (j < n && (buf[j] === 0x20 || buf[j] === 0x0a || buf[j] === 0x0d || buf[j] === 0x09)) j++;
        if (buf[j] === 0x3a) {
          let key = buf.toString('utf8', start + 1, end);
          let escaped = false;
          for (let k = start + 1; k < end && !escaped; k++) escaped = buf[k] === BACKSLASH;
          if (escaped) {
            try {
              key = JSON.parse(buf.toString('utf8', start, end + 1)) as string;
            } catch {
              /* malformed: JSON.parse of the body reports it */
            }
          }
          keys ??= new Set();
          if (keys.has(key)) return { tooDeep: false, duplicateKey: key };
          keys.add(key);
        }
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { tooDeep: true };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { tooDeep: false };
}
