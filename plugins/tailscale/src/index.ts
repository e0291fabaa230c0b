/**
 * @tollgate/plugin-tailscale: identifies callers with tailscaled's LocalAPI WhoIs (login name,
 * or the sorted tags of a tagged device, tailnet name, stable node id) and with `tailscale
 * serve`'s `Tailscale-User-*` headers from trusted proxies.
 */
import { tailscalePlugin } from './plugin.js';

export default tailscalePlugin;
export { tailscalePlugin as plugin, tailscalePlugin, TailscalePlugin, SERVE_RESOLVER, UNAVAILABLE_MESSAGE, type TailscalePluginDeps } from './plugin.js';
export { TailscaleOptionsSchema, DEFAULT_SOCKET, LOOPBACK_NETWORKS, type TailscaleOptions } from './schema.js';
export { LocalApiClient, TailscaledUnavailableError, LOCAL_API_HOST, whoIsAddr, type LocalApiClientOptions } from './local-api-client.js';
export { identityFromWhoIs, tailnetNameOf, WHOIS_RESOLVER, TAGGED_DEVICES_LOGIN } from './whois-identity.js';
export { readServeHeaders, decodeMimeWords, SERVE_HEADERS, type ServeIdentity, type ServeHeadersResult } from './serve-headers.js';
export { compileAddressSet, addressListErrors, type AddressSet } from './trusted-proxies.js';
export * from './types.js';
