import { SecretRegistry } from '../config/secret-registry.js';

/** What replaces a credential found in an upstream response. */
export const REDACTED = '***';
const REDACTED_BYTES = Buffer.from(REDACTED);

/**
 * The byte sequences to look for: each credential as sent, and spelled as a JSON string would
 * spell it when that differs (a `/` written `\/`, a quote or backslash escaped). A sequence that
 * contains another one is left out: finding the shorter one is enough.
 */
function patternsOf(secrets: Iterable<string>): Buffer[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (s.length < SecretRegistry.MIN_LENGTH) continue;
    all.add(s);
    all.add(JSON.stringify(s).slice(1, -1));
    all.add(s.replaceAll('/', '\\/'));
  }
  const texts = [...all];
  return texts.filter((t) => !texts.some((o) => o !== t && t.includes(o))).map((t) => Buffer.from(t, 'utf8'));
}

/** Width of the blocks the shift table is keyed by (Wu-Manber's B). */
const BLOCK = 2;
/** Longest window the shift table looks at (shifts must fit in a byte). */
const MAX_WINDOW = 128;

/**
 * Finds the credentials a gateway sends upstream (provider keys, injected credential headers, a
 * passthrough client's key) in what comes back, and replaces each occurrence with `***`: whole
 * bodies ({@link redact}), header values ({@link redactText}) and streams chunk by chunk
 * ({@link stream}), without holding more than a credential's length minus one of bytes.
 *
 * The search is Wu-Manber's multi-pattern algorithm: a table of shifts keyed by two-byte blocks
 * lets the scan skip up to the shortest credential's length at each step, so a chunk of a few
 * hundred bytes costs a handful of table reads (credentials are tens of bytes long) whatever the
 * number of credentials; only a block that ends a credential's prefix is checked further. At a
 * chunk's end, the longest suffix that could begin a credential is held back for the next chunk;
 * a chunk whose last byte occurs in no credential (an SSE event's terminating newline) holds
 * nothing, so complete events are never delayed.
 */
export class SecretRedactor {
  readonly #secrets: readonly string[];
  readonly #known: ReadonlySet<string>;
  readonly #patterns: readonly Buffer[];
  /** Scan window: the shortest pattern's length (capped). */
  readonly #window: number;
  /** Block → how far the window may move when its last block is this one (0: check candidates). */
  readonly #shift: Uint8Array;
  /** Block → the patterns whose window-long prefix ends with it. */
  readonly #candidates = new Map<number, Buffer[]>();
  /** Bytes that occur in some pattern (a held suffix must end with one). */
  readonly #inPattern = new Uint8Array(256);
  /** Bytes some pattern starts with (a held suffix must start with one). */
  readonly #first = new Uint8Array(256);
  /** Longest pattern length. */
  readonly #longest: number;

  constructor(secrets: Iterable<string>) {
    this.#known = new Set([...secrets].filter((s) => s.length >= SecretRegistry.MIN_LENGTH));
    // Longest first: where one credential contains another, the longer is replaced whole.
    this.#secrets = [...this.#known].sort((a, b) => b.length - a.length);
    this.#patterns = patternsOf(this.#secrets).sort((a, b) => b.length - a.length);
    const m = Math.min(MAX_WINDOW, ...this.#patterns.map((p) => p.length));
    this.#window = this.#patterns.length === 0 ? 0 : m;
    this.#longest = this.#patterns.reduce((n, p) => Math.max(n, p.length), 0);
    this.#shift = new Uint8Array(this.#patterns.length === 0 ? 0 : 65536).fill(m - BLOCK + 1);
    for (const p of this.#patterns) {
      for (const byte of p) this.#inPattern[byte] = 1;
      this.#first[p[0] as number] = 1;
      for (let j = BLOCK - 1; j < m; j++) {
        const block = ((p[j - 1] as number) << 8) | (p[j] as number);
        const shift = m - 1 - j;
        if (shift < (this.#shift[block] as number)) this.#shift[block] = shift;
        if (shift === 0) {
          const list = this.#candidates.get(block);
          if (list === undefined) this.#candidates.set(block, [p]);
          else list.push(p);
        }
      }
    }
  }

  /** True when there is nothing to look for (no credential configured). */
  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  /** A redactor that also looks for `extra` credentials (this one when they add nothing). */
  with(extra: Iterable<string>): SecretRedactor {
    let added: string[] | undefined;
    for (const s of extra) if (s.length >= SecretRegistry.MIN_LENGTH && !this.#known.has(s)) (added ??= []).push(s);
    return added === undefined ? this : new SecretRedactor([...this.#secrets, ...added]);
  }

  /** `buf` with every credential replaced (the same buffer when none occurs), and how many were. */
  redact(buf: Buffer): { readonly buf: Buffer; readonly count: number } {
    const r = this.releasable(buf, true);
    return { buf: r.out, count: r.count };
  }

  /** `text` with every credential replaced (the same string when none occurs). */
  redactText(text: string): string {
    if (this.#patterns.length === 0) return text;
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** A redactor for one stream: feed it each chunk in order, then call `end()`. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  /**
   * The first occurrence of a pattern in `data` starting at or after `from`: its start and length
   * (the longest pattern starting there), or `undefined`.
   */
  #find(data: Buffer, from: number): { at: number; length: number } | undefined {
    const m = this.#window;
    const n = data.length;
    const shifts = this.#shift;
    let pos = from + m - 1;
    while (pos < n) {
      const shift = shifts[((data[pos - 1] as number) << 8) | (data[pos] as number)] as number;
      if (shift > 0) {
        pos += shift;
        continue;
      }
      const at = pos - m + 1;
      // Candidates are longest first: the first that matches is the longest starting here.
      for (const p of this.#candidates.get(((data[pos - 1] as number) << 8) | (data[pos] as number)) ?? []) {
        if (at + p.length <= n && data.compare(p, 0, p.length, at, at + p.length) === 0) return { at, length: p.length };
      }
      pos++;
    }
    return undefined;
  }

  /**
   * Redacts what of `data` can be released now: everything except its longest suffix (after the
   * last credential found) that is the beginning of a credential, which the next chunk may
   * complete (nothing is held when `last`). Returns the bytes to release, the held suffix and the
   * number of redactions.
   */
  releasable(data: Buffer, last: boolean): { readonly out: Buffer; readonly held: Buffer | undefined; readonly count: number } {
    if (this.#patterns.length === 0) return { out: data, held: undefined, count: 0 };
    let parts: Buffer[] | undefined;
    let pos = 0;
    let count = 0;
    for (let hit = this.#find(data, 0); hit !== undefined; hit = this.#find(data, pos)) {
      (parts ??= []).push(data.subarray(pos, hit.at), REDACTED_BYTES);
      pos = hit.at + hit.length;
      count++;
    }
    const hold = last ? 0 : this.#heldSuffix(data, pos);
    const limit = data.length - hold;
    const held = hold === 0 ? undefined : Buffer.from(data.subarray(limit));
    if (parts === undefined) return { out: hold === 0 ? data : data.subarray(0, limit), held, count: 0 };
    parts.push(data.subarray(pos, limit));
    return { out: Buffer.concat(parts), held, count };
  }

  /** Length of the longest suffix of `data[from, n)` that is a proper prefix of some pattern. */
  #heldSuffix(data: Buffer, from: number): number {
    const n = data.length;
    // The suffix's last byte must occur in some pattern: a newline (an SSE event's end) never does.
    if (n === from || this.#inPattern[data[n - 1] as number] === 0) return 0;
    // The earliest start that matches gives the longest suffix. Compared here byte by byte: the
    // suffix is short, and most candidates differ at their second byte.
    for (let i = Math.max(from, n - (this.#longest - 1)); i < n; i++) {
      if (this.#first[data[i] as number] === 0) continue;
      for (const p of this.#patterns) {
        if (p[0] !== data[i] || n - i >= p.length) continue;
        let j = 1;
        while (i + j < n && data[i + j] === p[j]) j++;
        if (i + j === n) return n - i;
      }
    }
    return 0;
  }
}

/**
 * The per-stream state of a {@link SecretRedactor}: the bytes held back from the previous chunk
 * (at most the longest credential's length minus one) and the number of redactions made.
 */
export class StreamRedactor {
  readonly #redactor: SecretRedactor;
  #held: Buffer | undefined;
  /** Credentials replaced so far. */
  redactions = 0;

  constructor(redactor: SecretRedactor) {
    this.#redactor = redactor;
  }

  /** Bytes held back, waiting for the next chunk. */
  get holding(): number {
    return this.#held?.length ?? 0;
  }

  /** Takes the next chunk; returns the bytes that may go on (possibly empty). */
  push(chunk: Buffer): Buffer {
    const data = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk]);
    const r = this.#redactor.releasable(data, false);
    this.#held = r.held;
    this.redactions += r.count;
    return r.out;
  }

  /** Ends the stream; returns the held bytes, redacted. */
  end(): Buffer {
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) return Buffer.alloc(0);
    const r = this.#redactor.releasable(held, true);
    this.redactions += r.count;
    return r.out;
  }
}

/**
 * The body of an upstream stream with credentials redacted, as an async iterable of chunks (a
 * generator rather than a Transform stream: no stream machinery per request). `onRedacted` is
 * called once, at the first redaction.
 */
export async function* redactedChunks(body: AsyncIterable<Buffer>, redactor: SecretRedactor, onRedacted: () => void): AsyncGenerator<Buffer> {
  const stream = redactor.stream();
  let told = false;
  for await (const chunk of body) {
    const out = stream.push(chunk);
    if (!told && stream.redactions > 0) {
      told = true;
      onRedacted();
    }
    if (out.length > 0) yield out;
  }
  const rest = stream.end();
  if (!told && stream.redactions > 0) onRedacted();
  if (rest.length > 0) yield rest;
}
