/** `tailscale serve`'s identity headers (lower-case, as Node reports them). */
export const SERVE_HEADERS = {
  login: 'tailscale-user-login',
  name: 'tailscale-user-name',
  profilePic: 'tailscale-user-profile-pic',
} as const;

/** The identity `tailscale serve` vouches for. */
export interface ServeIdentity {
  /** Login name. */
  readonly login: string;
  /** Display name, when sent. */
  readonly name?: string;
  /** Profile picture URL, when sent. */
  readonly profilePic?: string;
}

/** Result of {@link readServeHeaders}: absent, a usable identity, or headers that cannot be used. */
export type ServeHeadersResult = { readonly kind: 'absent' } | { readonly kind: 'identity'; readonly identity: ServeIdentity } | { readonly kind: 'invalid'; readonly reason: string };

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;
const CONTROL = /[\x00-\x1f\x7f]/;
const MAX_LENGTH = 512;

function decodeWord(charset: string, encoding: string, payload: string): string | undefined {
  const cs = charset.toLowerCase().split('*')[0];
  const bufferEncoding = cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' ? 'utf8' : cs === 'iso-8859-1' || cs === 'latin1' ? 'latin1' : undefined;
  if (bufferEncoding === undefined) return undefined;
  let bytes: Buffer;
  if (encoding === 'B' || encoding === 'b') bytes = Buffer.from(payload, 'base64');
  else {
    const out: number[] = [];
    for (let i = 0; i < payload.length; i++) {
      const c = payload[i] as string;
      if (c === '_') out.push(0x20);
      else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(payload.slice(i + 1, i + 3))) {
        out.push(parseInt(payload.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(c.charCodeAt(0) & 0xff);
    }
    bytes = Buffer.from(out);
  }
  return bytes.toString(bufferEncoding);
}

/**
 * Decodes RFC 2047 encoded words, which `tailscale serve` uses for non-ASCII values
 * (`=?utf-8?q?Ren=C3=A9?=` → `René`). Whitespace between adjacent encoded words is dropped;
 * undecodable words are kept as they are.
 */
export function decodeMimeWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value.replace(/\?=\s+=\?/g, '?==?').replace(ENCODED_WORD, (word, charset: string, enc: string, payload: string) => decodeWord(charset, enc, payload) ?? word);
}

function single(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined | null {
  const v = headers[name];
  if (Array.isArray(v)) return v.length === 1 ? v[0] : null;
  return v;
}

/**
 * Reads `Tailscale-User-Login`, `Tailscale-User-Name` and `Tailscale-User-Profile-Pic`. Whether
 * they may be believed depends on who sent them; that is the caller's decision.
 */
export function readServeHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): ServeHeadersResult {
  const rawLogin = single(headers, SERVE_HEADERS.login);
  if (rawLogin === undefined) return { kind: 'absent' };
  if (rawLogin === null) return { kind: 'invalid', reason: 'Tailscale-User-Login sent more than once' };
  const login = decodeMimeWords(rawLogin).trim();
  if (login === '' || login.length > MAX_LENGTH || CONTROL.test(login)) return { kind: 'invalid', reason: 'Tailscale-User-Login is empty or malformed' };
  const rawName = single(headers, SERVE_HEADERS.name);
  const rawPic = single(headers, SERVE_HEADERS.profilePic);
  const name = typeof rawName === 'string' ? decodeMimeWords(rawName).trim() : '';
  const pic = typeof rawPic === 'string' ? rawPic.trim() : '';
  return {
    kind: 'identity',
    identity: {
      login,
      ...(name !== '' && name.length <= MAX_LENGTH && !CONTROL.test(name) ? { name } : {}),
      ...(pic !== '' && pic.length <= 2048 && !CONTROL.test(pic) ? { profilePic: pic } : {}),
    },
  };
}
