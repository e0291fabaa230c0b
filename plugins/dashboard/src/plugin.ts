import { fileURLToPath } from 'node:url';
import { type PluginHost, type RouteContext, type RouteDefinition, type TollgatePlugin, definePlugin } from '@tollgate/core';
import type { Logger } from 'pino';
import { DASHBOARD_MOUNT, isClientRoute } from './client-routes.js';
import { osoHookName } from './oso-link.js';
import { type DashboardOptions, DashboardOptionsSchema } from './schema.js';
import { DASHBOARD_SECURITY_HEADERS } from './security-headers.js';
import { StaticAssets } from './static-assets.js';
import type { DashboardSettings } from './types.js';

/** Plugin name: tap name, log binding, config key. */
export const PLUGIN_NAME = 'dashboard';

/** Path of the settings endpoint the browser app reads (Oso link). */
export const DASHBOARD_SETTINGS_PATH = '/api/dashboard';

/** The built browser app shipped in this package (`dist/ui/`). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

/** Dependencies a {@link DashboardPlugin} can be given instead of its defaults. */
export interface DashboardPluginDeps {
  /** Logger (default: the host's, bound to `{ plugin: "dashboard" }`). */
  readonly logger?: Logger;
  /** Directory of the built browser app (default {@link DEFAULT_ASSETS_DIR}). */
  readonly assetsDir?: string;
}

/**
 * Serves the dashboard at `/ui/` through core's route extension point: the browser app's
 * files (CSP and the other security headers on every answer, `index.html` for the app's own
 * routes), and `GET /api/dashboard`, the few facts the app needs beyond the read API.
 */
export class DashboardPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key and error field. */
  readonly name = PLUGIN_NAME;
  readonly #options: DashboardOptions;
  readonly #assetsDir: string;
  #log: Logger | undefined;
  #assets: Promise<StaticAssets> | undefined;

  constructor(options: DashboardOptions, deps: DashboardPluginDeps = {}) {
    this.#options = options;
    this.#log = deps.logger;
    this.#assetsDir = deps.assetsDir ?? DEFAULT_ASSETS_DIR;
  }

  /** The routes this plugin adds, for the host given (its config feeds `/api/dashboard`). */
  routes(host: PluginHost): RouteDefinition[] {
    const mount = DASHBOARD_MOUNT;
    return [
      // GET routes answer HEAD too (core's route table).
      { method: 'GET', path: mount.slice(0, -1), access: 'public', handler: (ctx) => this.#serveAsset(ctx) },
      { method: 'GET', path: `${mount}{*rest}`, access: 'public', handler: (ctx) => this.#serveAsset(ctx) },
      { method: 'GET', path: DASHBOARD_SETTINGS_PATH, access: 'identified', handler: (ctx) => this.#serveSettings(ctx, host) },
    ];
  }

  /** Adds the routes; loads the assets in `ready` so that a missing build is logged at start-up. */
  apply(host: PluginHost): void {
    this.#log ??= host.logger.child({ plugin: this.name });
    for (const route of this.routes(host)) host.routes.add(route);
    host.hooks.ready.tapPromise({ name: this.name }, async () => {
      try {
        const assets = await this.#load();
        this.#log?.info({ mount: DASHBOARD_MOUNT, files: assets.files.length }, 'dashboard served');
      } catch (err) {
        this.#log?.error({ err }, 'dashboard assets could not be loaded; /ui/ answers 503');
      }
    });
  }

  /** The assets, loaded once (a failed load is retried on the next request). */
  #load(): Promise<StaticAssets> {
    this.#assets ??= StaticAssets.load({ root: this.#assetsDir, mount: DASHBOARD_MOUNT, clientRoute: isClientRoute, headers: DASHBOARD_SECURITY_HEADERS }).catch((err: unknown) => {
      this.#assets = undefined;
      throw err;
    });
    return this.#assets;
  }

  async #serveAsset(ctx: RouteContext): Promise<void> {
    let assets: StaticAssets;
    try {
      assets = await this.#load();
    } catch {
      ctx.status = 503;
      ctx.set({ ...DASHBOARD_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      ctx.body = 'The dashboard is not built: run `npm run build`.\n';
      return;
    }
    // HEAD is answered like GET; Koa leaves the body out (and keeps its length).
    const answer = assets.respond({
      method: ctx.method === 'HEAD' ? 'GET' : ctx.method,
      path: ctx.path,
      ifNoneMatch: ctx.get('if-none-match') || undefined,
      acceptEncoding: ctx.get('accept-encoding') || undefined,
    });
    ctx.status = answer.status;
    ctx.set(answer.headers);
    if (answer.body !== undefined) ctx.body = answer.body;
  }

  #serveSettings(ctx: RouteContext, host: PluginHost): void {
    const hook = osoHookName(host.config);
    const body: DashboardSettings = { oso: { configured: hook !== null, hook, dashboard_url: this.#options.oso_dashboard_url } };
    ctx.set({ 'cache-control': 'no-store' });
    ctx.body = body;
  }
}

/** The dashboard plugin as a definition (`"plugins": ["dashboard"]` or `["dashboard", {...}]`). */
export const dashboardPlugin = definePlugin<DashboardOptions>({
  name: PLUGIN_NAME,
  options: DashboardOptionsSchema,
  create: (options, context) => new DashboardPlugin(options, { logger: context.logger }),
});
