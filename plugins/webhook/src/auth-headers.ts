import type { HookAuthorization } from './schema.js';

/**
 * The header that carries a hook's `apikey`, by `authorization`:
 *
 * | value | header |
 * |---|---|
 * | `bearer` | `Authorization: Bearer <key>` |
 * | `x-api-key` | `X-Api-Key: <key>` |
 * | `x-goog-api-key` | `X-Goog-Api-Key: <key>` |
 * | `hec` | `Authorization: Splunk <key>` (Splunk HTTP Event Collector) |
 * | `cf-aig-authorization` | `cf-aig-authorization: Bearer <key>` (Cloudflare AI Gateway) |
 *
 * An empty key sends no header. Names are lower-case (HTTP header names are case-insensitive).
 */
export function authHeaders(authorization: HookAuthorization, apikey: string): Record<string, string> {
  if (apikey === '') return {};
  switch (authorization) {
    case 'bearer':
      return { authorization: `Bearer ${apikey}` };
    case 'x-api-key':
      return { 'x-api-key': apikey };
    case 'x-goog-api-key':
      return { 'x-goog-api-key': apikey };
    case 'hec':
      return { authorization: `Splunk ${apikey}` };
    case 'cf-aig-authorization':
      return { 'cf-aig-authorization': `Bearer ${apikey}` };
  }
}
