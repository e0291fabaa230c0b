/** A valid HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value without control characters other than tab. */
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

/** Headers no configuration may set upstream (framing, hop-by-hop, routing). */
const FORBIDDEN = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'expect']);

/** True when `name: value` is safe to send as a header. */
export function isSafeHeader(name: string, value: string): boolean {
  return HEADER_NAME.test(name) && HEADER_VALUE.test(value) && !FORBIDDEN.has(name.toLowerCase());
}

/**
 * Parses `"Name: value"` lines (`add_headers`). Malformed lines, injection attempts (CR/LF) and
 * framing headers are skipped (the config loader warns about them).
 */
export function parseHeaderLines(lines: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (isSafeHeader(name, value)) out.push([name.toLowerCase(), value]);
  }
  return out;
}

/**
 * Why `parseHeaderLines` drops a line, for a config warning. It names the header when the line
 * has a valid one, and never quotes the value (often a credential).
 */
export function headerLineProblem(line: string): string {
  const colon = line.indexOf(':');
  const name = colon <= 0 ? '' : line.slice(0, colon).trim();
  if (name === '' || !HEADER_NAME.test(name) || name.length > 64) return 'malformed header line (expected "Name: value"); ignored';
  if (FORBIDDEN.has(name.toLowerCase())) return `header "${name}" cannot be set: framing and routing headers are the gateway's (Host, Content-Length, Transfer-Encoding, Connection, ...); ignored`;
  return `header "${name}" has a value with control characters (CR, LF, NUL); ignored`;
}
