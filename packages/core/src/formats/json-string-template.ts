/**
 * A JSON text known except for one string value: the text before the value's opening quote and
 * the text from its closing quote on, as a checked chunk of a stream had them. The chunks of a
 * text answer differ only there (`"content":"..."`), so comparing the two fixed parts and looking
 * at the few characters between them tells that a chunk reads exactly like the checked one
 * except for its text, without a regular expression scan.
 *
 * Why a match is safe: the varying part lies between the value's opening quote and its closing
 * quote and holds no unescaped quote, does not end the string early (no unpaired backslash
 * before the closing quote), and has no `\u00XX` escape of an ASCII character. A search for a
 * quoted key (`"tool_calls"\s*:`) therefore finds in the new chunk exactly what it found in the
 * checked one: the fixed parts are the same text, a quoted key cannot start or end inside the
 * value, and the text after the closing quote is no `:`. So does a search for `\u00XX` escapes.
 */
export class JsonStringTemplate {
  /** Text up to and including the value's opening quote. */
  readonly #before: string;
  /** Text from the value's closing quote to the end. */
  readonly #after: string;

  private constructor(before: string, after: string) {
    this.#before = before;
    this.#after = after;
  }

  /**
   * The template of `data` around the first string value of `key` (found by the text
   * `"key"\s*:\s*"`); undefined when there is none, or when its closing quote is followed by a
   * colon (then it was no value).
   */
  static learn(data: string, key: string): JsonStringTemplate | undefined {
    let find = VALUE_OF.get(key);
    if (find === undefined) {
      find = new RegExp(`"${key}"\\s*:\\s*"`);
      VALUE_OF.set(key, find);
    }
    const m = find.exec(data);
    if (m === null) return undefined;
    const open = m.index + m[0].length;
    let close = open;
    while (close < data.length) {
      const c = data.charCodeAt(close);
      if (c === 0x22) break;
      close += c === 0x5c ? 2 : 1;
    }
    if (close >= data.length) return undefined;
    COLON_NEXT.lastIndex = close + 1;
    if (COLON_NEXT.test(data)) return undefined;
    return new JsonStringTemplate(data.slice(0, open), data.slice(close));
  }

  /**
   * True when `text[start, end)` is this template with some value (see the class comment for what
   * that proves); `empty` tells whether an empty value matches.
   */
  matches(text: string, start: number, end: number, empty: boolean): boolean {
    const before = this.#before;
    const after = this.#after;
    const from = start + before.length;
    const close = end - after.length;
    if (close < from || (!empty && close === from) || text.charCodeAt(close) !== 0x22) return false;
    // Native comparisons of the fixed parts (a slice of a flat string is not copied).
    if (text.slice(start, from) !== before || text.slice(close, end) !== after) return false;
    for (let k = from; k < close; ) {
      const c = text.charCodeAt(k);
      if (c === 0x22) return false;
      if (c === 0x5c) {
        // An escaped closing quote, or what the raw search for `\u00XX` escapes finds.
        if (k + 1 === close || asciiEscapeAt(text, k) || (text.charCodeAt(k + 1) === 0x5c && asciiEscapeAt(text, k + 1))) return false;
        k += 2;
        continue;
      }
      k++;
    }
    return true;
  }
}

/** True when `text` has `\u00` and a digit 0-7 at `i` (a `\u00XX` escape of an ASCII character). */
function asciiEscapeAt(text: string, i: number): boolean {
  if (text.charCodeAt(i + 1) !== 0x75 || text.charCodeAt(i + 2) !== 0x30 || text.charCodeAt(i + 3) !== 0x30) return false;
  const d = text.charCodeAt(i + 4);
  return d >= 0x30 && d <= 0x37;
}

/** `"key"\s*:\s*"` by key (keys are the few constants of the format assemblers). */
const VALUE_OF = new Map<string, RegExp>();

/**
 * A colon after optional whitespace (as `\s` reads it, the quoted-key search's own whitespace), at
 * `lastIndex`: a string followed by one is a key, not a value.
 */
const COLON_NEXT = /\s*:/y;
