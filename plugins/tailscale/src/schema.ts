import { duration } from '@tollgate/core';
import { Type } from 'typebox';

/** Where tailscaled listens for its LocalAPI on Linux. */
export const DEFAULT_SOCKET = '/var/run/tailscale/tailscaled.sock';

/**
 * Loopback networks: what to list in `trusted_proxies` when `tailscale serve` runs on this
 * machine (and no other local process may vouch for callers). Not the default: any process on the
 * host could send the headers.
 */
export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** Options of the tailscale plugin (`["tailscale", { ... }]`). */
export const TailscaleOptionsSchema = Type.Object(
  {
    /**
     * Path of tailscaled's LocalAPI unix socket.
     * @default "/var/run/tailscale/tailscaled.sock"
     */
    socket: Type.String({ minLength: 1, default: DEFAULT_SOCKET }),
    /**
     * Longest wait for a WhoIs answer (Go duration).
     * @default "2s"
     */
    timeout: duration('2s'),
    /**
     * How long a WhoIs answer (or a trusted `tailscale serve` identity) is reused; `0` asks every time.
     * @default "30s"
     */
    cache_ttl: duration('30s'),
    /**
     * How long "tailscaled does not know this address" is reused.
     * @default "5s"
     */
    negative_cache_ttl: duration('5s'),
    /**
     * Most cached answers; the oldest is dropped first. `0` disables the cache.
     * @default 10000
     */
    cache_size: Type.Integer({ minimum: 0, default: 10_000 }),
    /**
     * Accept `tailscale serve`'s `Tailscale-User-*` headers from trusted proxies.
     * @default true
     */
    serve_headers: Type.Boolean({ default: true }),
    /**
     * Addresses or CIDRs whose `Tailscale-User-*` headers are trusted; from anyone else the
     * headers are ignored. Empty by default: list the proxy explicitly (`["127.0.0.1/32"]` for
     * `tailscale serve` on this machine), since every local process can send such headers.
     * @default []
     */
    trusted_proxies: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /**
     * Also ask tailscaled about loopback callers. Needed when tailscaled runs in
     * userspace-networking mode and hands tailnet connections to the gateway from 127.0.0.1.
     * @default false
     */
    whois_loopback: Type.Boolean({ default: false }),
  },
  { additionalProperties: false, default: {} },
);

/** Validated options of the tailscale plugin. */
export type TailscaleOptions = Type.Static<typeof TailscaleOptionsSchema>;
