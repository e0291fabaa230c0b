import assert from 'node:assert/strict';
import { type ConfigError, type GatewayConfig, type PluginHost, type RouteDefinition, createHooks, createLogger, defaultConfig, prepareConfig } from '@tollgate/core';
import dashboardPlugin, { DEFAULT_OSO_DASHBOARD_URL, DashboardPlugin, osoHookName } from '@tollgate/plugin-dashboard';
import webhookPlugin from '@tollgate/plugin-webhook';
import { type TestGateway, startTestGateway } from '@tollgate/testing';

/** The seed's hook, verbatim. */
const SEED_HOOKS = { oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'YOUR_OSO_API_KEY' } };

/** A plugin host whose route registry collects the routes added. */
function fakeHost(config: GatewayConfig, routes: RouteDefinition[]): PluginHost {
  return { hooks: createHooks(), config, logger: createLogger({ level: 'silent' }), routes: { add: (r: RouteDefinition) => routes.push(r) } } as unknown as PluginHost;
}

describe('DashboardPlugin', () => {
  it('adds /ui, /ui/{*rest} (public) and /api/dashboard (identified) through host.routes', () => {
    const routes: RouteDefinition[] = [];
    new DashboardPlugin({ oso_dashboard_url: DEFAULT_OSO_DASHBOARD_URL }).apply(fakeHost(defaultConfig() as GatewayConfig, routes));
    assert.deepEqual(
      routes.map((r) => [r.method, r.path, r.access]),
      [
        ['GET', '/ui', 'public'],
        ['GET', '/ui/{*rest}', 'public'],
        ['GET', '/api/dashboard', 'identified'],
      ],
    );
  });

  describe('in a real gateway', () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway({
        config: { ...defaultConfig(), identity: { loopback: false, api_keys: { 'dashboard-test-key': 'bob@example.com' } }, hooks: SEED_HOOKS },
        plugins: [webhookPlugin, [dashboardPlugin, { oso_dashboard_url: 'https://oso.example.test/agents' }]],
      });
    });
    after(() => gw?.close());

    it('serves the built app at /ui/ to anyone, with its security headers, and its client routes', async () => {
      for (const path of ['/ui/', '/ui/tool-use', '/ui/settings/json-editor', '/ui/logs/sessions/a%2Fb']) {
        const res = await fetch(`${gw.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.ok(res.headers.get('content-security-policy')?.includes("script-src 'self'"));
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        const html = await res.text();
        const script = /<script type="module" src="\/ui\/(assets\/app-\w+\.js)">/.exec(html)?.[1];
        assert.ok(script, html);
        const js = await fetch(`${gw.url}/ui/${script}`, { headers: { 'accept-encoding': 'br' } });
        assert.equal(js.status, 200);
        assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
        assert.equal(js.headers.get('content-encoding'), 'br');
        assert.ok((await js.text()).length > 100_000, 'decoded bundle');
      }
      const redirect = await fetch(`${gw.url}/ui`, { redirect: 'manual' });
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.get('location'), '/ui/');
      const missing = await fetch(`${gw.url}/ui/no-such-page`);
      assert.equal(missing.status, 404);
      assert.ok(missing.headers.get('content-security-policy'));
    });

    it('answers HEAD like GET without a body, and 304 when the ETag matches', async () => {
      const get = await fetch(`${gw.url}/ui/`);
      const body = await get.text();
      const head = await fetch(`${gw.url}/ui/`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(body)));
      assert.equal(await head.text(), '');
      const again = await fetch(`${gw.url}/ui/`, { headers: { 'if-none-match': get.headers.get('etag') ?? '' } });
      assert.equal(again.status, 304);
    });

    it('tells an identified caller that the seed\'s Oso hook is configured, and where Oso\'s dashboard is', async () => {
      const anonymous = await fetch(`${gw.url}/api/dashboard`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const res = await fetch(`${gw.url}/api/dashboard`, { headers: { authorization: 'Bearer dashboard-test-key' } });
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
