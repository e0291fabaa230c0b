import type { ProviderConfig } from '../config/core-schema.js';
import { parseHeaderLines } from '../providers/header-lines.js';

/** Header names that carry credentials (`authorization`, `x-api-key`, `x-auth-token`, `cookie`, ...). */
const CREDENTIAL_HEADER = /authorization|api-?key|(^|-)key$|token|secret|password|passwd|cookie|credential|signature/i;

/** True when a header of this name carries a credential. */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

/**
 * The credential values among upstream request headers: each credential header's value and, for
 * `Authorization: <scheme> <token>`, the token alone (a provider that echoes it quotes either).
 */
export function credentialValues(headers: Readonly<Record<string, string>> | Iterable<readonly [string, string]>): string[] {
  const out: string[] = [];
  const entries: Iterable<readonly [string, string]> = Symbol.iterator in headers ? (headers as Iterable<readonly [string, string]>) : Object.entries(headers);
  for (const [name, value] of entries) {
    if (!isCredentialHeader(name)) continue;
    out.push(value);
    const token = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (token !== undefined) out.push(token);
  }
  return out;
}

/**
 * The credentials a provider configuration makes the gateway send upstream: its key, and the
 * values of its credential-carrying `add_headers`.
 */
export function providerCredentials(config: ProviderConfig): string[] {
  // The key as sent (`Bearer <key>` included), so that a request's own headers add nothing new.
  return [config.apikey, `Bearer ${config.apikey}`, ...credentialValues(parseHeaderLines(config.add_headers))];
}
