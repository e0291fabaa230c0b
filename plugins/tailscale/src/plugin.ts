import { stat } from 'node:fs/promises';
import {
  ApiErrorException,
  type ConfigIssue,
  type IdentifyInput,
  type Identity,
  type PluginHost,
  STAGE_AUTHENTICATE,
  type TollgatePlugin,
  apiError,
  createIdentity,
  definePlugin,
  durationMs,
} from '@tollgate/core';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { LocalApiClient, TailscaledUnavailableError, whoIsAddr } from './local-api-client.js';
import { type TailscaleOptions, TailscaleOptionsSchema } from './schema.js';
import { type ServeIdentity, readServeHeaders } from './serve-headers.js';
import { type AddressSet, addressListErrors, compileAddressSet } from './trusted-proxies.js';
import { TtlCache } from './ttl-cache.js';
import { PLUGIN_NAME, type TailscaleIdentityAttributes } from './types.js';
import { identityFromWhoIs } from './whois-identity.js';

/** Resolver name of identities taken from trusted `tailscale serve` headers. */
export const SERVE_RESOLVER = 'tailscale-serve';

/** Least time between two log lines about ignored spoofed headers. */
const UNTRUSTED_LOG_INTERVAL_MS = 60_000;

/** Message of the 503 answered when tailscaled cannot say who is calling. */
export const UNAVAILABLE_MESSAGE = 'caller identity unavailable: tailscaled is not reachable';

/** Dependencies a {@link TailscalePlugin} can be given instead of its defaults. */
export interface TailscalePluginDeps {
  /** Logger (default: the host's, bound to `{ plugin: "tailscale" }`). */
  readonly logger?: Logger;
  /** Dispatcher for LocalAPI calls (default: an undici Agent on the configured socket). */
  readonly dispatcher?: Dispatcher;
  /** Clock in milliseconds for the cache (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Identifies callers the way Aperture does: tailscaled's WhoIs on the remote address gives the
 * login name, or the sorted comma-joined tags of a tagged node, plus the tailnet name and the
 * stable node id. `tailscale serve`'s `Tailscale-User-*` headers are believed only from trusted
 * proxies (loopback by default); from anyone else they are ignored and WhoIs decides. Answers
 * are cached briefly; when tailscaled cannot answer, the request gets a 503 in its API format.
 */
export class TailscalePlugin implements TollgatePlugin {
  /** Tap name, log binding, config key and error field. */
  readonly name = PLUGIN_NAME;
  readonly #options: TailscaleOptions;
  readonly #client: LocalApiClient;
  readonly #trusted: AddressSet;
  readonly #whois: TtlCache<string, Identity | null>;
  readonly #serve: TtlCache<string, Identity>;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #ownSocket: boolean;
  #log: Logger | undefined;
  #down = false;
  #untrustedLoggedAt = Number.NEGATIVE_INFINITY;
  #untrustedSince = 0;

  constructor(options: TailscaleOptions, deps: TailscalePluginDeps = {}) {
    this.#options = options;
    this.#log = deps.logger;
    this.#trusted = compileAddressSet(options.trusted_proxies);
    this.#client = new LocalApiClient({ socketPath: options.socket, timeoutMs: durationMs(options.timeout), dispatcher: deps.dispatcher });
    this.#ownSocket = deps.dispatcher === undefined;
    const now = deps.now ?? Date.now;
    this.#whois = new TtlCache({ maxEntries: options.cache_size, now });
    this.#serve = new TtlCache({ maxEntries: Math.min(options.cache_size, 1000), now });
    this.#ttlMs = durationMs(options.cache_ttl);
    this.#negativeTtlMs = durationMs(options.negative_cache_ttl);
  }

  /** Taps `identify` (stage authenticate), `ready` (socket check) and `close`. */
  apply(host: PluginHost): void {
    this.#log ??= host.logger.child({ plugin: this.name });
    host.hooks.identify.tapPromise({ name: this.name, stage: STAGE_AUTHENTICATE }, (input) => this.identify(input));
    host.hooks.ready.tapPromise({ name: this.name }, () => this.#checkSocket());
    host.hooks.close.tapPromise({ name: this.name }, () => this.#client.close());
  }

  /**
   * Logs ignored (spoofed) `Tailscale-User-*` headers at most once a minute, with how many were
   * ignored since the last line, so that a peer sending them on every request cannot flood the log.
   */
  #warnUntrusted(address: string): void {
    this.#untrustedSince++;
    const now = Date.now();
    if (now - this.#untrustedLoggedAt < UNTRUSTED_LOG_INTERVAL_MS) return;
    this.#log?.warn({ address, ignored: this.#untrustedSince }, 'ignored Tailscale-User-* headers from an untrusted address');
    this.#untrustedLoggedAt = now;
    this.#untrustedSince = 0;
  }

  /** Warns at start-up when tailscaled's socket is missing; the gateway starts anyway. */
  async #checkSocket(): Promise<void> {
    if (!this.#ownSocket) return;
    try {
      const info = await stat(this.#options.socket);
      if (!info.isSocket()) this.#log?.warn({ socket: this.#options.socket }, 'tailscaled socket path is not a socket; tailnet callers will get 503');
    } catch (err) {
      this.#log?.warn({ socket: this.#options.socket, code: (err as NodeJS.ErrnoException).code }, 'tailscaled socket not found; tailnet callers will get 503 until tailscaled is running');
    }
  }

  /**
   * Who is calling: trusted `tailscale serve` headers, else tailscaled's WhoIs. `undefined` when
   * neither knows (the next resolver may; with none, core answers 401). Throws an
   * {@link ApiErrorException} (503) when tailscaled cannot be asked.
   */
  async identify(input: IdentifyInput): Promise<Identity | undefined> {
    if (this.#options.serve_headers) {
      const serve = readServeHeaders(input.headers);
      if (serve.kind !== 'absent') {
        if (!this.#trusted.has(input.remoteAddress)) {
          this.#warnUntrusted(input.remoteAddress);
        } else if (serve.kind === 'invalid') {
          this.#log?.warn({ address: input.remoteAddress, reason: serve.reason }, 'ignored unusable Tailscale-User-* headers');
        } else {
          return this.#serveIdentity(serve.identity);
        }
      }
    }
    if (input.remoteAddress === '' || (input.isLoopback && !this.#options.whois_loopback)) return undefined;
    // tailscaled identifies tailnet peers by IP; a loopback caller is a connection tailscaled
    // proxied (userspace networking), which only the port tells apart.
    const key = input.isLoopback ? whoIsAddr(input.remoteAddress, input.remotePort) : input.remoteAddress;
    let identity: Identity | null;
    try {
      identity = await this.#whois.resolve(key, () => this.#lookup(input.remoteAddress, input.remotePort), (v) => (v === null ? this.#negativeTtlMs : this.#ttlMs));
    } catch (err) {
      if (!(err instanceof TailscaledUnavailableError)) throw err;
      if (!this.#down) this.#log?.error({ err, code: err.code, socket: this.#options.socket }, 'tailscaled cannot identify callers; answering 503');
      else this.#log?.debug({ code: err.code }, 'tailscaled still unavailable');
      this.#down = true;
      throw new ApiErrorException(apiError('unavailable', UNAVAILABLE_MESSAGE, { code: 'identity_unavailable' }), { cause: err });
    }
    return identity ?? undefined;
  }

  async #lookup(ip: string, port: number): Promise<Identity | null> {
    const answer = await this.#client.whois(whoIsAddr(ip, port));
    if (this.#down) {
      // Only a real answer proves recovery (cached identities are served while it is down).
      this.#down = false;
      this.#log?.info({ socket: this.#options.socket }, 'tailscaled is answering again');
    }
    if (answer === undefined) {
      this.#log?.debug({ address: ip }, 'tailscaled does not know this address');
      return null;
    }
    const identity = identityFromWhoIs(answer);
    if (identity === undefined) this.#log?.warn({ address: ip, node: answer.Node?.Name }, 'node has neither a user nor tags; caller not identified');
    return identity ?? null;
  }

  #serveIdentity(serve: ServeIdentity): Identity {
    const key = `${serve.login}\n${serve.name ?? ''}\n${serve.profilePic ?? ''}`;
    const hit = this.#serve.get(key);
    if (hit !== undefined) return hit.value;
    const attributes: TailscaleIdentityAttributes = { source: 'serve-headers', ...(serve.profilePic === undefined ? {} : { profilePicUrl: serve.profilePic }) };
    const identity = createIdentity({
      login: serve.login,
      resolver: SERVE_RESOLVER,
      ...(serve.name === undefined ? {} : { displayName: serve.name }),
      attributes: Object.freeze(attributes),
    });
    this.#serve.set(key, identity, this.#ttlMs);
    return identity;
  }
}

/**
 * The tailscale plugin definition: validates its options (socket path, timeouts, cache,
 * trusted proxies), checks the combination with core's loopback identity, and creates a
 * {@link TailscalePlugin}.
 */
export const tailscalePlugin = definePlugin<TailscaleOptions>({
  name: PLUGIN_NAME,
  core: '^0.1.0',
  options: TailscaleOptionsSchema,
  check: ({ options, config }) => {
    const owner = `plugins.${PLUGIN_NAME}`;
    const issues: ConfigIssue[] = addressListErrors(options.trusted_proxies).map((message) => ({ severity: 'error', path: `${owner}/trusted_proxies`, message }));
    if (options.whois_loopback && config.identity.loopback) {
      issues.push({
        severity: 'warning',
        path: `${owner}/whois_loopback`,
        message: 'identity.loopback is on: a loopback caller tailscaled does not know becomes "(loopback)"; with tailscaled proxying tailnet connections, set identity.loopback to false',
      });
    }
    return issues;
  },
  create: (options, { logger }) => new TailscalePlugin(options, { logger }),
});
