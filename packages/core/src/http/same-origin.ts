import type { IncomingHttpHeaders } from 'node:http';

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Why a state-changing request must be refused as cross-site, or `undefined` when it may go on.
 * Browsers say where a request comes from: `Sec-Fetch-Site` (only `same-origin` and `none`, a
 * request the user made directly, are accepted) and `Origin` (its host must be the `Host` the
 * request was sent to). Clients that are not browsers send neither and pass; they cannot be made
 * to act by a web page.
 */
export function crossSiteReason(headers: IncomingHttpHeaders): string | undefined {
  const site = first(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 32)})`;
  const origin = first(headers.origin);
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return 'request with an invalid Origin refused';
  }
  if (host !== first(headers.host)) return `request from another origin (${origin.slice(0, 100)}) refused`;
  return undefined;
}
