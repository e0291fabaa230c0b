/** Result of {@link scanJson}. */
export interface JsonScan {
  /** Nesting deeper than allowed. */
  readonly tooDeep: boolean;
  /** A key that appears twice in the top-level object, if any. */
  readonly duplicateKey?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One pass over raw JSON bytes: measures nesting depth (so a depth bomb is refused before it is
 * parsed) and finds duplicate top-level keys (a body whose `model` appears twice could be read
 * one way here and another way upstream).
 */
export function scanJson(buf: Uint8Array, maxDepth: number): JsonScan {
  let depth = 0;
  let keys: Set<string> | undefined;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = buf[i] as number;
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) break;
      }
      if (depth === 1) {
        let j = i + 1;
        while (j < n && (buf[j] === 0x20 || buf[j] === 0x0a || buf[j] === 0x0d || buf[j] === 0x09)) j++;
        if (buf[j] === 0x3a) {
          const token = Buffer.from(buf.buffer, buf.byteOffset + start, i - start + 1).toString('utf8');
          let key = token.slice(1, -1);
          if (escaped) {
            try {
              key = JSON.parse(token) as string;
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
