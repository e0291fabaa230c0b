import type { FormatAdapter } from '../formats/format-adapter.js';
import { CORE_VERSION } from '../version.js';
import type { ResolvedProvider } from './provider-registry.js';

/** Client headers forwarded to every provider (besides the format's own list). */
const COMMON_FORWARD = ['accept', 'user-agent', 'idempotency-key'] as const;

/** Client credential headers forwarded in `passthrough` mode. */
const PASSTHROUGH_AUTH = ['authorization', 'x-api-key', 'x-goog-api-key'] as const;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The header names a client's `Connection` header lists (RFC 9110 §7.6.1): hop-by-hop for that
 * connection, so never forwarded. `undefined` when it lists none (the common case: no allocation).
 */
export function connectionListed(connection: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined) return undefined;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  let names: Set<string> | undefined;
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || name === 'close' || name === 'keep-alive') continue;
    (names ??= new Set()).add(name);
  }
  return names;
}

/** The provider key as a header, in the provider's `authorization` style. */
export function providerAuthHeader(provider: ResolvedProvider): [string, string] | undefined {
  const key = provider.config.apikey;
  if (key === '') return undefined;
  switch (provider.config.authorization) {
    case 'x-api-key':
      return ['x-api-key', key];
    case 'x-goog-api-key':
      return ['x-goog-api-key', key];
    default:
      return ['authorization', `Bearer ${key}`];
  }
}

/**
 * Headers of an upstream request. Only an allow-list of client headers is forwarded (common ones
 * plus the format's, e.g. `anthropic-version`), never one the client's `Connection` header names
 * (hop-by-hop); client credentials are dropped and the provider
 * key injected (`override`), or forwarded as received (`passthrough`, falling back to the
 * provider key). Then the provider's `add_headers` and plugin-added headers (grants) apply.
 */
export function buildUpstreamHeaders(
  provider: ResolvedProvider,
  format: FormatAdapter,
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>,
  extra: ReadonlyArray<readonly [string, string]>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'user-agent': `tollgate/${CORE_VERSION}`,
  };
  const hopByHop = connectionListed(clientHeaders.connection);
  for (const name of COMMON_FORWARD) {
    const v = first(clientHeaders[name]);
    if (v !== undefined && v !== '' && !hopByHop?.has(name)) headers[name] = v;
  }
  for (const name of format.forwardHeaders) {
    const v = first(clientHeaders[name]);
    if (v !== undefined && v !== '' && !hopByHop?.has(name)) headers[name] = v;
  }
  headers['accept-encoding'] = 'identity';
  let passed = false;
  if (provider.config.auth_mode === 'passthrough') {
    for (const name of PASSTHROUGH_AUTH) {
      const v = first(clientHeaders[name]);
      if (v !== undefined && v !== '' && !hopByHop?.has(name)) {
        headers[name] = v;
        passed = true;
      }
    }
  }
  if (!passed) {
    const auth = providerAuthHeader(provider);
    if (auth !== undefined) headers[auth[0]] = auth[1];
  }
  for (const [name, value] of provider.addHeaders) headers[name] = value;
  for (const [name, value] of extra) headers[name] = value;
  return headers;
}

/** Upstream response headers passed on to the client (rate limits, retry hints). */
export function clientResponseHeaders(upstream: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  // for...in, not Object.entries: no array per header on every proxied call.
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    if (name === 'retry-after' || name === 'openai-processing-ms' || name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-')) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    } else if (name === 'x-request-id' || name === 'request-id') {
      out['x-upstream-request-id'] = Array.isArray(value) ? (value[0] ?? '') : value;
    }
  }
  return out;
}
