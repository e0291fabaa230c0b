import { durationMs } from '@tollgate/core';
import { authHeaders } from './auth-headers.js';
import type { ResolvedEndpoint } from './internal-types.js';
import type { HookEndpointConfig, HooksConfig } from './schema.js';
import { createSigner } from './signer.js';

/** Resolves every configured hook (disabled ones included; callers skip them). */
export function resolveEndpoints(hooks: HooksConfig, defaultConcurrency: number): Map<string, ResolvedEndpoint> {
  const out = new Map<string, ResolvedEndpoint>();
  for (const [name, config] of Object.entries(hooks)) out.set(name, resolveEndpoint(name, config, defaultConcurrency));
  return out;
}

/** Resolves one hook endpoint (the transport is chosen later, when the plugin starts). */
export function resolveEndpoint(name: string, config: HookEndpointConfig, defaultConcurrency: number): ResolvedEndpoint {
  const timeoutMs = durationMs(config.timeout);
  const signer = config.signing_secret === undefined ? undefined : createSigner(config.signing_secret);
  return {
    name,
    config,
    info: Object.freeze({
      name,
      url: config.url,
      authorization: config.authorization,
      hasApikey: config.apikey !== '',
      timeoutMs,
      failPolicy: config.fail_policy,
      preference: config.preference,
      signed: signer !== undefined,
    }),
    auth: Object.freeze(authHeaders(config.authorization, config.apikey)),
    signer,
    timeoutMs,
    concurrency: config.concurrency ?? defaultConcurrency,
    transport: undefined,
    problem: config.url === '' ? 'no url configured' : undefined,
  };
}

/** Parses a hook URL; `undefined` when it does not parse. */
export function parseHookUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
