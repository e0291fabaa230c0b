import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { type ConfigError, type GatewayConfig, type PluginHost, type TollgateError, createHooks, createLogger, defaultConfig, prepareConfig } from '@tollgate/core';
import dashboardPlugin, { DEFAULT_OSO_DASHBOARD_URL, DashboardPlugin, type RouteDefinition, osoHookName } from '@tollgate/plugin-dashboard';
import Koa from 'koa';

/** The seed's hook, verbatim. */
const SEED_HOOKS = { oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'YOUR_OSO_API_KEY' } };

/** A plugin host with the route extension point of the contract, collecting the routes added. */
function fakeHost(config: GatewayConfig, routes: RouteDefinition[] | undefined): PluginHost {
  return {
    hooks: createHooks(),
    config,
    logger: createLogger({ level: 'silent' }),
    ...(routes === undefined ? {} : { routes: { add: (r: RouteDefinition) => routes.push(r) } }),
  } as unknown as PluginHost;
}

/**
 * Mounts routes on a real Koa + @koa/router app the way the contract describes core doing it:
 * `public` routes run without identity, others answer 401 without one (`x-test-user` stands in
 * for identify).
 */
async function serve(routes: readonly RouteDefinition[]): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  const router = new Router();
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? [...route.method] : [route.method as string];
    router.register(route.path, methods, async (ctx) => {
      const login = ctx.get('x-test-user');
      ctx.state.identity = login === '' ? undefined : { login };
      if ((route.access ?? 'identified') !== 'public' && ctx.state.identity === undefined) {
        ctx.status = 401;
        ctx.type = 'application/problem+json';
        ctx.body = { title: 'Unauthorized', status: 401 };
        return;
      }
      await route.handler(ctx);
    });
  }
  app.use(router.routes());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('DashboardPlugin', () => {
  it('adds /ui, /ui/{*rest} (public) and /api/dashboard (identified) through host.routes', () => {
    const routes: RouteDefinition[] = [];
    new DashboardPlugin({ oso_dashboard_url: DEFAULT_OSO_DASHBOARD_URL }).apply(fakeHost(defaultConfig() as GatewayConfig, routes));
    assert.deepEqual(
      routes.map((r) => [r.method, r.path, r.access]),
      [
        [['GET', 'HEAD'], '/ui', 'public'],
        [['GET', 'HEAD'], '/ui/{*rest}', 'public'],
        ['GET', '/api/dashboard', 'identified'],
      ],
    );
  });

  it('fails start-up with a coded error when core has no route extension point', () => {
    assert.throws(
      () => new DashboardPlugin({ oso_dashboard_url: DEFAULT_OSO_DASHBOARD_URL }).apply(fakeHost(defaultConfig() as GatewayConfig, undefined)),
      (err: TollgateError) => err.code === 'TG_ERR_PLUGIN' && /route extension point/.test(err.message),
    );
  });

  describe('over a real Koa router', () => {
    let app: { url: string; close(): Promise<void> };
    const config = { ...(defaultConfig() as GatewayConfig), hooks: SEED_HOOKS } as GatewayConfig;

    before(async () => {
      const routes: RouteDefinition[] = [];
      new DashboardPlugin({ oso_dashboard_url: 'https://oso.example.test/agents' }).apply(fakeHost(config, routes));
      app = await serve(routes);
    });
    after(() => app.close());

    it('serves the built app at /ui/ with its security headers, and its client routes', async () => {
      for (const path of ['/ui/', '/ui/tool-use', '/ui/settings/json-editor']) {
        const res = await fetch(`${app.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.ok(res.headers.get('content-security-policy')?.includes("script-src 'self'"));
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        const html = await res.text();
        const script = /<script type="module" src="\/ui\/(assets\/app-\w+\.js)">/.exec(html)?.[1];
        assert.ok(script, html);
        const js = await fetch(`${app.url}/ui/${script}`);
        assert.equal(js.status, 200);
        assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      }
      const redirect = await fetch(`${app.url}/ui`, { redirect: 'manual' });
      assert.equal(redirect.status, 308);
      assert.equal((await fetch(`${app.url}/ui/no-such-page`)).status, 404);
    });

    it('answers 304 through Koa when the ETag matches', async () => {
      const first = await fetch(`${app.url}/ui/`);
      await first.arrayBuffer();
      const again = await fetch(`${app.url}/ui/`, { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
      assert.equal(again.status, 304);
    });

    it('tells the app that the seed\'s Oso hook is configured, and where Oso\'s dashboard is', async () => {
      assert.equal((await fetch(`${app.url}/api/dashboard`)).status, 401);
      const res = await fetch(`${app.url}/api/dashboard`, { headers: { 'x-test-user': 'bob@example.com' } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { oso: { configured: true, hook: 'oso', dashboard_url: 'https://oso.example.test/agents' } });
    });
  });

  it('validates its options: oso_dashboard_url defaults to Oso\'s dashboard and must be http(s)', async () => {
    const providers = { mock: { baseurl: 'mock://', models: ['mock-1'] } };
    const ok = await prepareConfig({ raw: { providers }, plugins: [dashboardPlugin], env: {} });
    assert.deepEqual(ok.plugins.find((p) => p.name === 'dashboard')?.options, { oso_dashboard_url: 'https://ui.osohq.com/' });
    await assert.rejects(
      prepareConfig({ raw: { providers }, plugins: [[dashboardPlugin, { oso_dashboard_url: 'javascript:alert(1)' }]], env: {} }),
      (err: ConfigError) => err.issues.some((i) => i.path === 'plugins.dashboard/oso_dashboard_url'),
    );
  });
});

describe('osoHookName', () => {
  it('finds the seed\'s hook by its Oso URL, whatever its name', () => {
    assert.equal(osoHookName({ hooks: SEED_HOOKS }), 'oso');
    assert.equal(osoHookName({ hooks: { telemetry: SEED_HOOKS.oso, other: { url: 'https://hooks.example.com/x' } } }), 'telemetry');
  });

  it('takes a hook named oso, and the Oso plugin\'s short form', () => {
    assert.equal(osoHookName({ hooks: { oso: { url: 'https://oso-proxy.internal/x' } } }), 'oso');
    assert.equal(osoHookName({ plugins: ['grants', ['oso', { apiKey: 'env:OSO_API_KEY' }]] }), 'oso');
    assert.equal(osoHookName({ plugins: [['oso', { apiKey: 'k', hook_name: 'oso-agents' }]] }), 'oso-agents');
  });

  it('says null without one, for disabled hooks, look-alike hosts and telemetry turned off', () => {
    assert.equal(osoHookName({}), null);
    assert.equal(osoHookName({ hooks: { oso: { ...SEED_HOOKS.oso, disabled: true } } }), null);
    assert.equal(osoHookName({ hooks: { x: { url: 'https://api.osohq.com.evil.example/x' } } }), null);
    assert.equal(osoHookName({ plugins: [['oso', { apiKey: 'k', telemetry: false }]] }), null);
    assert.equal(osoHookName({ plugins: [['oso', { enforce: {} }]] }), null);
  });
});
