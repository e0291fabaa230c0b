import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { DestinationStream, Logger } from 'pino';
import { type ConfigChanges, configChanges, summarizeChanges } from '../config/config-changes.js';
import { type ConfigIssue, formatIssue } from '../config/config-issue.js';
import { resolveDataDir } from '../config/data-dir.js';
import { durationMs } from '../config/duration.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { type PluginInput, type PreparedConfig, prepareConfig } from '../config/prepare-config.js';
import { SecretRegistry } from '../config/secret-registry.js';
import { TollgateError } from '../errors.js';
import { formatMode, mkdirPrivate } from '../fs/private-fs.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { TapStatsTable } from '../hooks/tap-interceptor.js';
import { isLoopbackHost, loopbackExposedMessage } from '../identity/loopback.js';
import { createLogger } from '../logging/create-logger.js';
import { MemoryStrippedCallStore, type StrippedCallStore } from '../pipeline/stripped-call-store.js';
import type { UpstreamFactory } from '../providers/provider-registry.js';
import type { TollgatePlugin } from '../plugins/plugin.js';
import { Runtime, type RuntimeDeps } from './runtime.js';
import { ConfigSecrets } from '../admin/config-secrets.js';
import { adminKey } from './admin-key.js';
import { type ApplyConfig, GatewayConfigControl } from './gateway-config-control.js';

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
  /**
   * Leave the plugins' `ready` work for {@link Gateway.ready}, so that the gateway can listen first:
   * until it is ready, `/healthz` answers 200, `/readyz` 503 (`starting`) and every other request
   * 503 with `Retry-After` (orchestrators see a live process during a long start). Default: `create`
   * runs it, and the gateway is ready once created.
   */
  readonly deferReady?: boolean;
  /**
   * The file the admin config API saves to when `config` is an object (the built-in default, a
   * program's own): the first save writes it, and later reloads read it. Without it, the API shows
   * such a configuration but cannot save one. A `config` given as a path is saved in place.
   */
  readonly configFile?: string;
  /**
   * Called after the admin config API saved a configuration and it went live (a program running
   * several gateways on one file reloads the others: `tollgate start --workers` does).
   */
  readonly onConfigSaved?: (file: string) => void;
  /** Serve the admin config API (`/aperture/config`, `/api/config`; admins only). @default true */
  readonly adminApi?: boolean;
  /**
   * Where the calls stripped from responses a provider stores are remembered, so that follow-up
   * turns referring to them keep working (see docs/gating.md).
   * @default an in-memory store bounded to 10,000 responses
   */
  readonly strippedCalls?: StrippedCallStore;
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
  /** What changed: sections, providers and plugins by name (never values). */
  readonly changes: ConfigChanges;
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
  readonly tapStats: TapStatsTable;
  readonly #options: CreateGatewayOptions;
  readonly #secrets: SecretRegistry;
  readonly #app: Koa;
  #runtime: Runtime;
  #prepared: PreparedConfig;
  readonly #control: GatewayConfigControl;
  readonly #deps: RuntimeDeps;
  #server: Server | undefined;
  #retiring: Promise<void>[] = [];
  #closing: Promise<void> | undefined;

  private constructor(options: CreateGatewayOptions, logger: Logger, secrets: SecretRegistry, dataDir: string, runtime: Runtime, prepared: PreparedConfig, control: GatewayConfigControl, deps: RuntimeDeps) {
    this.#options = options;
    this.#control = control;
    this.#deps = deps;
    this.tapStats = deps.tapStats;
    this.#prepared = prepared;
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
    const logger =
      options.logger ??
      createLogger({
        level: prepared.config.logging.level,
        format: prepared.config.logging.format,
        secrets,
        destination: options.logDestination,
        // Every line of a `--workers` process says which worker wrote it.
        ...(cluster.isWorker && cluster.worker !== undefined ? { base: { worker: cluster.worker.id } } : {}),
      });
    for (const w of [...parseWarnings, ...prepared.warnings]) logger.warn({ path: w.path }, formatIssue(w));
    const dataDir = resolveDataDir(options.dataDir, prepared.config.data_dir, env);
    // Created 0700; an existing one is the operator's (it may be shared): reported, not changed.
    const wider = await mkdirPrivate(dataDir);
    if (wider !== undefined) {
      logger.warn({ dataDir, mode: formatMode(wider) }, `the data directory is open to other users (mode ${formatMode(wider)}); it holds undelivered hook events with prompts and answers: chmod 700 it`);
    }
    const tapStats: TapStatsTable = new Map();
    // The admin API's saves go live through the gateway, which does not exist yet: bound below.
    let apply: ApplyConfig = () => Promise.reject(new TollgateError('TG_ERR_GATEWAY_STATE', 'the gateway is starting'));
    const control = new GatewayConfigControl(options, secrets, (prepared, warnings, steps) => apply(prepared, warnings, steps));
    const deps: RuntimeDeps = {
      logger,
      secrets,
      dataDir,
      upstreamFactory: options.upstreamFactory,
      tapStats,
      strippedCalls: options.strippedCalls ?? new MemoryStrippedCallStore(),
      ...(options.adminApi === false ? {} : { admin: { control, secrets: new ConfigSecrets(() => adminKey(dataDir)) } }),
    };
    const runtime = await Runtime.create(prepared.config, prepared.plugins, deps, { start: options.deferReady !== true });
    const gateway = new Gateway(options, logger, secrets, dataDir, runtime, prepared, control, deps);
    apply = (next, warnings, steps) => gateway.#apply(next, warnings, steps).then(() => undefined);
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

  /**
   * Runs the plugins' `ready` work when the gateway was created with `deferReady` (else it already
   * ran; this resolves at once). Throws `TG_ERR_PLUGIN` when a plugin fails; close the gateway then.
   */
  async ready(): Promise<void> {
    if (this.#runtime.ready) return;
    await this.#runtime.start();
    this.logger.info('tollgate ready');
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
    warnAboutDescriptorLimit(this.logger, listen.max_connections);
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
    // After listening, an 'error' is an accept failure (EMFILE, ENFILE): logged, never a crash.
    let acceptErrorLoggedAt = Number.NEGATIVE_INFINITY;
    server.on('error', (err: NodeJS.ErrnoException) => {
      const now = Date.now();
      if (now - acceptErrorLoggedAt < 60_000) return;
      acceptErrorLoggedAt = now;
      this.logger.error({ err, code: err.code }, 'cannot accept connections (out of file descriptors?); new connections are refused until some close');
    });
    const address = server.address() as AddressInfo;
    // The config check warned about its own host; a --host override is only known here.
    const host = options.host ?? listen.host;
    if (this.config.identity.loopback && !isLoopbackHost(host) && isLoopbackHost(listen.host)) {
      this.logger.warn({ path: 'config/identity/loopback', host }, loopbackExposedMessage(host));
    }
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
  async reload(config: CreateGatewayOptions['config'] = this.#control.source): Promise<ReloadResult> {
    if (this.#closing !== undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'gateway is closing');
    const env = this.#options.env ?? process.env;
    const { raw, source, warnings: parseWarnings } = await readSource(config);
    const prepared: PreparedConfig = await prepareConfig({ raw, source, env, plugins: this.#options.plugins, resolvePaths: this.#options.resolvePaths });
    return this.#apply(prepared, parseWarnings, {});
  }

  /**
   * Makes a validated configuration live: builds its runtime (plugins applied, `ready` run), runs
   * `verify` on its hooks and `commit` (the admin API writes the file there), then swaps it in;
   * requests in flight finish on the old runtime, which then closes. A failure anywhere before the
   * swap closes the new runtime and changes nothing.
   */
  async #apply(prepared: PreparedConfig, parseWarnings: readonly ConfigIssue[], steps: { readonly verify?: (hooks: TollgateHooks) => Promise<void>; readonly commit?: () => Promise<void> }): Promise<ReloadResult> {
    if (this.#closing !== undefined) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'gateway is closing');
    this.#secrets.addAll(prepared.secrets);
    const next = await Runtime.create(prepared.config, prepared.plugins, this.#deps);
    try {
      await steps.verify?.(next.hooks);
      await steps.commit?.();
    } catch (err) {
      await next.close();
      throw err;
    }
    const previous = this.#runtime;
    const changes = configChanges(this.#prepared, prepared);
    this.#runtime = next;
    this.#prepared = prepared;
    this.logger.level = prepared.config.logging.level;
    const warnings = [...parseWarnings, ...prepared.warnings];
    for (const w of warnings) this.logger.warn({ path: w.path }, formatIssue(w));
    this.logger.info({ inFlight: previous.inFlight, changes }, `configuration reloaded: ${summarizeChanges(changes)}`);
    this.#retiring.push(this.#retire(previous));
    return { warnings, changes };
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

/**
 * Warns when the process may run out of file descriptors before `max_connections` is reached
 * (each client connection can hold one more to a provider). Linux only: the soft limit is read
 * from `/proc/self/limits`.
 */
function warnAboutDescriptorLimit(logger: Logger, maxConnections: number): void {
  let soft: number | undefined;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    soft = m === null || m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    return;
  }
  if (soft === undefined) return;
  const needed = maxConnections === 0 ? Number.POSITIVE_INFINITY : maxConnections * 2 + 256;
  if (needed <= soft) return;
  logger.warn(
    { path: 'config/listen/max_connections', maxConnections, descriptorLimit: soft },
    `listen.max_connections (${maxConnections === 0 ? 'unlimited' : maxConnections}) can exhaust the process's file descriptor limit (${soft}): each client connection may hold one to a provider too; raise the limit (ulimit -n) or lower max_connections`,
  );
}

/** Creates a {@link Gateway} (see {@link CreateGatewayOptions}). */
export function createGateway(options: CreateGatewayOptions): Promise<Gateway> {
  return Gateway.create(options);
}
