import { CREDENTIAL_HEADERS } from '../identity/client-credential.js';

/** Headers whose values are credentials or session secrets: kept as `***` wherever headers are shown or stored. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([...CREDENTIAL_HEADERS, 'cookie', 'set-cookie']);

/**
 * A copy of request headers safe to keep or show: one string per header (repeated values joined
 * with `, `), credential headers' values replaced by `***`.
 */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? '***' : Array.isArray(value) ? value.join(', ') : value;
  }
  return Object.freeze(out);
}
