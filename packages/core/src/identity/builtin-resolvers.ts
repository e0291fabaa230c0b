import { hash, timingSafeEqual } from 'node:crypto';
import type { IdentityConfig } from '../config/core-schema.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { STAGE_AUTHENTICATE, STAGE_FALLBACK } from '../hooks/stages.js';
import { type Identity, createIdentity } from '../types/identity.js';
import { LOOPBACK_LOGIN } from './loopback.js';

/** Tap name of the built-in resolvers. */
export const API_KEY_RESOLVER = 'api-keys';
/** Tap name of the loopback resolver. */
export const LOOPBACK_RESOLVER = 'loopback';

function digest(key: string): string {
  // One-shot `crypto.hash` (Node >= 20.12) in hex: much cheaper than createHash().update().digest(),
  // and this runs on every request.
  return hash('sha256', key, 'hex');
}

/**
 * Maps client API keys to identities. Keys are held only as SHA-256 digests and compared in
 * constant time.
 */
export class ApiKeyResolver {
  readonly #byDigest = new Map<string, { digest: Buffer; identity: Identity }>();

  constructor(apiKeys: IdentityConfig['api_keys']) {
    for (const [key, value] of Object.entries(apiKeys)) {
      if (key.length === 0) continue;
      const d = digest(key);
      const identity =
        typeof value === 'string'
          ? createIdentity({ login: value, resolver: API_KEY_RESOLVER })
          : createIdentity({ login: value.login, displayName: value.name, groups: value.groups ?? [], tags: [...(value.tags ?? [])].sort(), resolver: API_KEY_RESOLVER });
      this.#byDigest.set(d, { digest: Buffer.from(d, 'hex'), identity });
    }
  }

  /** Number of keys configured. */
  get size(): number {
    return this.#byDigest.size;
  }

  /** The identity of a presented key, if it is known. */
  resolve(credential: string | undefined): Identity | undefined {
    if (credential === undefined || this.#byDigest.size === 0) return undefined;
    const d = digest(credential);
    const hit = this.#byDigest.get(d);
    return hit !== undefined && timingSafeEqual(hit.digest, Buffer.from(d, 'hex')) ? hit.identity : undefined;
  }
}

const LOOPBACK_IDENTITY = createIdentity({ login: LOOPBACK_LOGIN, loopback: true, resolver: LOOPBACK_RESOLVER });

/**
 * Taps core's identity resolvers: static API keys (stage authenticate) and, when enabled,
 * the loopback fallback (stage fallback, after every plugin resolver).
 */
export function tapBuiltinResolvers(hooks: TollgateHooks, config: IdentityConfig): void {
  const keys = new ApiKeyResolver(config.api_keys);
  if (keys.size > 0) {
    hooks.identify.tap({ name: API_KEY_RESOLVER, stage: STAGE_AUTHENTICATE }, (input) => keys.resolve(input.credential));
  }
  if (config.loopback) {
    hooks.identify.tap({ name: LOOPBACK_RESOLVER, stage: STAGE_FALLBACK }, (input) => (input.isLoopback ? LOOPBACK_IDENTITY : undefined));
  }
}
