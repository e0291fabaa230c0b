/** Headers that carry client credentials; never forwarded upstream in `override` mode, never logged. */
export const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'proxy-authorization'] as const;

/** Query parameters that carry client credentials (Gemini's `?key=`). */
export const CREDENTIAL_QUERY_PARAMS = ['key', 'api_key', 'api-key'] as const;

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The credential a client presented: `Authorization: Bearer K`, `x-api-key`, `x-goog-api-key`,
 * `api-key` (Azure style), or a `key` query parameter.
 */
export function clientCredential(headers: Readonly<Record<string, string | string[] | undefined>>, query?: URLSearchParams): string | undefined {
  const auth = header(headers, 'authorization');
  if (auth !== undefined) {
    const m = /^\s*(?:bearer|token)\s+(.+?)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  for (const name of ['x-api-key', 'x-goog-api-key', 'api-key']) {
    const v = header(headers, name)?.trim();
    if (v) return v;
  }
  for (const name of CREDENTIAL_QUERY_PARAMS) {
    const v = query?.get(name);
    if (v) return v;
  }
  return undefined;
}
