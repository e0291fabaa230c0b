import { mkdirSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { DestinationStream, Logger } from 'pino';
import { type ConfigIssue, formatIssue } from '../config/config-issue.js';
import { resolveDataDir } from '../config/data-dir.js';
import { durationMs } from '../config/duration.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { type PluginInput, type PreparedConfig, prepareConfig } from '../config/prepare-config.js';
import { SecretRegistry } from '../config/secret-registry.js';
import { TollgateError } from '../errors.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { TapStatsTable } from '../hooks/tap-interceptor.js';
import { createLogger } from '../logging/create-logger.js';
import type { UpstreamFactory } from '../providers/provider-registry.js';
import type { TollgatePlugin } from '../plugins/plugin.js';
import { Runtime } from './runtime.js';

/** Options of {@link createGateway}. */
export interface CreateGatewayOptions {
  /** The configuration object, or the path of a HuJSON config file. */
  readonly config: Record<string, unknown> | string;
  /** Plugins; when given, they replace the config's `plugins` list (no defaults are added). */
  readonly plugins?: readonly PluginInput[];
  /** Root logger (the gateway then does not scrub secrets from it). */
  readonly logger?: Logger;
  /** Where the gateway's own logger writes (default: asynchronous stdout). */
  readonly logDestination?: DestinationStream;
  /** Data directory (overrides `TOLLGATE_DATA_DIR` and the config). */
  readonly dataDir?: string;
  /** Environment for `env:` references (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Extra directories plugin packages are resolved from. */
  readonly resolvePaths?: readonly string[];
  /** Makes provider upstreams (tests inject dispatchers). */
  readonly upstreamFactory?: UpstreamFactory;
}

/** Where to listen (defaults from the config's `listen` section). */
export interface ListenOptions {
  /** Interface. */
  readonly host?: string;
  /** Port (0 = any free port). */
  readonly port?: number;
}

/** Result of a reload. */
export interface ReloadResult {
  /** Warnings of the new configuration. */
  readonly warnings: readonly ConfigIssue[];
}

async function readSource(config: CreateGatewayOptions['config']): Promise<{ raw: unknown; source?: string; warnings: readonly ConfigIssue[] }> {
  if (typeof config === 'string') {
    const loaded = await loadConfigFile(config);
    return { raw: loaded.raw, source: config, warnings: loaded.warnings };
  }
  return { raw: config, warnings: [] };
}

/**
 * A tollgate gateway: an HTTP server whose requests are served by the current {@link Runtime}'s route
 * table (Koa and @koa/router for routes, `node:http` directly for literal LLM paths).
 * Create it with {@link createGateway}; `listen()` to serve, `reload()` to swap the
 * configuration atomically, `close()` to drain and stop.
 */
export class Gateway {
  /** Root logger. */
  readonly logger: Logger;
  /** Data directory. */
  readonly dataDir: string;
  /** Per-tap timing statistics (`hook/tap` → stats), across reloads. */
  readonly tapStats: TapStatsTable = new Map();
  readonly #options: CreateGatewayOptions;
  readonly #secrets: SecretRegistry;
  readonly #app: Koa;
  #runtime: Runtime;
  #server: Server | undefined;
  #retiring: Promise<void>[] = [];
  #closing: Promise<void> | undefined;

  private constructor(options: CreateGatewayOptions, logger: Logger, secrets: SecretRegistry, dataDir: string, runtime: Runtime) {
    this.#options = options;
    this.logger = logger;
    this.#secrets = secrets;
    this.dataDir = dataDir;
    this.#runtime = runtime;
    this.#app = new Koa();
    this.#app.silent = true;
    this.#app.on('error', (err: unknown) => this.logger.error({ err }, 'unhandled request error'));
    this.#app.use((ctx, next) => this.#runtime.dispatch(ctx, next));
  }

  /** Builds a gateway; throws a `ConfigError` or `TG_ERR_PLUGIN` error listing every problem. */
  static async create(options: CreateGatewayOptions): Promise<Gateway> {
    const env = options.env ?? process.env;
    const { raw, source, warnings: parseWarnings } = await readSource(options.config);
    const prepared = await prepareConfig({ raw, source, env, plugins: options.plugins, resolvePaths: options.resolvePaths });
    const secrets = new SecretRegistry();
    secrets.addAll(prepared.secrets);
    const logger = options.logger ?? createLogger({ level: prepared.config.logging.level, secrets, destination: options.logDestination });
    for (const w of [...parseWarnings, ...prepared.warnings]) logger.warn({ path: w.path }, formatIssue(w));
    const dataDir = resolveDataDir(options.dataDir, prepared.config.data_dir, env);
    mkdirSync(dataDir, { recursive: true });
    const tapStats: TapStatsTable = new Map();
    const runtime = await Runtime.create(prepared.config, prepared.plugins, { logger, secrets, dataDir, upstreamFactory: options.upstreamFactory, tapStats });
    const gateway = new Gateway(options, logger, secrets, dataDir, runtime);
    for (const [k, v] of tapStats) gateway.tapStats.set(k, v);
    return gateway;
  }

  /** The hooks of the current runtime. */
  get hooks(): TollgateHooks {
    return this.#runtime.hooks;
  }

  /** The current configuration. */
  get config(): GatewayConfig {
    return this.#runtime.config;
  }

  /** The plugins applied to the current runtime. */
  get plugins(): readonly TollgatePlugin[] {
    return this.#runtime.plugins;
  }

  /** The current runtime (for tools and tests). */
  get runtime(): Runtime {
    return this.#runtime;
  }

  /**
   * A Node request listener serving the gateway (for your own server or supertest): LLM calls on
   * literal paths go straight to the current runtime, everything else through Koa.
   */
  callback(): (req: IncomingMessage, res: ServerResponse) => void {
    const koa = this.#app.callback();
    return (req, res) => {
      if (!this.#runtime.serveDirect(req, res)) void koa(req, res);
    };
  }

  /** Starts listening; resolves with the bound address. */
  async listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.#server !== undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'gateway is already listening');
    const listen = this.config.listen;
    const server = createServer(
      {
        requestTimeout: durationMs(listen.request_timeout),
        headersTimeout: durationMs(listen.headers_timeout),
        keepAliveTimeout: durationMs(listen.keep_alive_timeout),
        connectionsCheckingInterval: 1000,
      },
      this.callback(),
    );
    if (listen.max_connections > 0) server.maxConnections = listen.max_connections;
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? listen.port, options.host ?? listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      // Not listening after all (e.g. EADDRINUSE): allow another listen(), and close() skips it.
      this.#server = undefined;
      throw err;
    }
    const address = server.address() as AddressInfo;
    const routes = this.#runtime.routes.list().map((r) => `${r.methods.filter((m) => m !== 'HEAD').join(',')} ${r.path} (${r.owner})`);
    this.logger.info({ host: address.address, port: address.port, routes }, 'tollgate listening');
    return address;
  }

  /** The HTTP server, once listening. */
  get server(): Server | undefined {
    return this.#server;
  }

  /** `http://host:port` of the listening server. */
  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'gateway is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Builds a runtime from a new configuration (default: the same file or object again) and
   * swaps it in atomically. Requests in flight finish on the old runtime, which then closes. An
   * invalid configuration is rejected (the promise rejects) and the old one keeps serving.
   */
  async reload(config: CreateGatewayOptions['config'] = this.#options.config): Promise<ReloadResult> {
    if (this.#closing !== undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'gateway is closing');
    const env = this.#options.env ?? process.env;
    const { raw, source, warnings: parseWarnings } = await readSource(config);
    const prepared: PreparedConfig = await prepareConfig({ raw, source, env, plugins: this.#options.plugins, resolvePaths: this.#options.resolvePaths });
    this.#secrets.addAll(prepared.secrets);
    const next = await Runtime.create(prepared.config, prepared.plugins, {
      logger: this.logger,
      secrets: this.#secrets,
      dataDir: this.dataDir,
      upstreamFactory: this.#options.upstreamFactory,
      tapStats: this.tapStats,
    });
    const previous = this.#runtime;
    this.#runtime = next;
    this.logger.level = prepared.config.logging.level;
    const warnings = [...parseWarnings, ...prepared.warnings];
    for (const w of warnings) this.logger.warn({ path: w.path }, formatIssue(w));
    this.logger.info({ inFlight: previous.inFlight }, 'configuration reloaded');
    this.#retiring.push(this.#retire(previous));
    return { warnings };
  }

  async #retire(runtime: Runtime): Promise<void> {
    const drained = await runtime.drain(durationMs(runtime.config.limits.drain_timeout));
    if (!drained) this.logger.warn({ inFlight: runtime.inFlight }, 'previous configuration still had requests in flight after the drain timeout');
    await runtime.close();
  }

  /**
   * Stops accepting connections, waits for in-flight requests (up to `limits.drain_timeout`),
   * closes remaining connections, runs `close` taps and flushes the log.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    const closed = server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    server?.closeIdleConnections();
    const drained = await this.#runtime.drain(durationMs(this.config.limits.drain_timeout));
    if (!drained) this.logger.warn({ inFlight: this.#runtime.inFlight }, 'closing with requests still in flight');
    server?.closeAllConnections();
    await closed;
    await Promise.all(this.#retiring);
    await this.#runtime.close();
    this.logger.info('tollgate stopped');
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
  }
}

/** Creates a {@link Gateway} (see {@link CreateGatewayOptions}). */
export function createGateway(options: CreateGatewayOptions): Promise<Gateway> {
  return Gateway.create(options);
}
