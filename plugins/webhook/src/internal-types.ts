import type { PluginHost } from '@tollgate/core';
import type { HookEndpointConfig } from './schema.js';
import type { Signer } from './signer.js';
import type { HookEndpointInfo, WebhookClock, WebhookTransport } from './types.js';

/** A hook endpoint ready to use: config, auth header, signer, timeout and (from `ready`) transport. */
export interface ResolvedEndpoint {
  /** Hook name. */
  readonly name: string;
  /** Validated config. */
  readonly config: HookEndpointConfig;
  /** What extension hooks may see. */
  readonly info: HookEndpointInfo;
  /** The auth header (empty without an apikey). */
  readonly auth: Readonly<Record<string, string>>;
  /** Signs deliveries when `signing_secret` is set. */
  readonly signer: Signer | undefined;
  /** Per-call timeout (ms, 0 = none). */
  readonly timeoutMs: number;
  /** Post-response deliveries in flight at once. */
  readonly concurrency: number;
  /** Carries deliveries; set when the plugin starts. */
  transport: WebhookTransport | undefined;
  /** Why the hook cannot deliver (no URL, unknown scheme), when it cannot. */
  problem: string | undefined;
}

/** Time and randomness (see {@link WebhookClock}). */
export type Clock = WebhookClock;

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** The logger plugins get (pino's, without importing pino). */
export type PluginLogger = PluginHost['logger'];
