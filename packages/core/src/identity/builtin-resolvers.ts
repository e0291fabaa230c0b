import { hash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config/core-schema.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { STAGE_AUTHENTICATE, STAGE_FALLBACK } from '../hooks/stages.js';
import { ApiErrorException, apiError } from '../types/api-error.js';
import { type IdentifyInput, type Identity, createIdentity } from '../types/identity.js';
import { FORWARDING_HEADERS, LOOPBACK_LOGIN } from './loopback.js';

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

/** Shortest time between two warnings about forwarded loopback callers (ms). */
export const FORWARDED_WARNING_INTERVAL_MS = 10 * 60_000;

/** The warning logged when a `(loopback)` caller's request carries forwarding headers. */
export const FORWARDED_LOOPBACK_MESSAGE =
  'a caller on this machine sent forwarding headers (X-Forwarded-For, Forwarded or X-Real-IP) and was served as "(loopback)": a reverse proxy here relays others as (loopback); set identity.loopback to false, or identify them (API keys, tailscale)';

/** Warns, rate-limited, about `(loopback)` callers whose requests carry forwarding headers. */
class ForwardedLoopbackWarning {
  readonly #logger: Logger | undefined;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #since = 0;

  constructor(logger: Logger | undefined) {
    this.#logger = logger;
  }

  check(headers: IdentifyInput['headers']): void {
    if (this.#logger === undefined) return;
    let header: string | undefined;
    for (const name of FORWARDING_HEADERS) {
      if (headers[name] !== undefined) {
        header = name;
        break;
      }
    }
    if (header === undefined) return;
    this.#since++;
    const now = Date.now();
    if (now - this.#loggedAt < FORWARDED_WARNING_INTERVAL_MS) return;
    this.#logger.warn({ header, requests: this.#since }, FORWARDED_LOOPBACK_MESSAGE);
    this.#loggedAt = now;
    this.#since = 0;
  }
}

/** The message of the 401 a caller gets for a credential that matches no client key. */
export const UNKNOWN_KEY_MESSAGE = 'invalid API key: it matches no client key of this gateway';

/**
 * Taps core's identity resolvers: static API keys (stage authenticate) and, when enabled,
 * the loopback fallback (stage fallback, after every plugin resolver).
 *
 * With client keys configured, a presented credential is meant for the gateway: one that no
 * resolver recognised (not a client key, and no plugin resolver such as `tailscale` identified
 * the caller by other means) is refused with 401 before the loopback fallback, so a mistyped or
 * revoked key never becomes `(loopback)`. Without client keys, a credential is not the gateway's
 * to judge (SDKs need some key; `passthrough` providers take the client's own), and a caller on
 * this machine is `(loopback)` whatever it presents. A `(loopback)` caller whose request carries
 * forwarding headers (a reverse proxy on this machine relaying someone else) is logged as a
 * warning, at most once per {@link FORWARDED_WARNING_INTERVAL_MS}.
 */
export function tapBuiltinResolvers(hooks: TollgateHooks, config: IdentityConfig, logger?: Logger): void {
  const keys = new ApiKeyResolver(config.api_keys);
  if (keys.size > 0) {
    hooks.identify.tap({ name: API_KEY_RESOLVER, stage: STAGE_AUTHENTICATE }, (input) => keys.resolve(input.credential));
    // Tapped before the loopback fallback, in the same stage: runs after every plugin resolver.
    hooks.identify.tap({ name: API_KEY_RESOLVER, stage: STAGE_FALLBACK }, (input) => {
      if (input.credential === undefined) return undefined;
      throw new ApiErrorException(apiError('authentication', UNKNOWN_KEY_MESSAGE, { code: 'invalid_api_key' }));
    });
  }
  if (config.loopback) {
    const forwarded = new ForwardedLoopbackWarning(logger);
    hooks.identify.tap({ name: LOOPBACK_RESOLVER, stage: STAGE_FALLBACK }, (input) => {
      if (!input.isLoopback) return undefined;
      forwarded.check(input.headers);
      return LOOPBACK_IDENTITY;
    });
  }
}
