import assert from 'node:assert/strict';
import { ConfigError, type ConfigIssue, definePlugin, formatIssue, prepareConfig } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { type HooksConfig, type WebhookOptions, authHeaders, webhookPlugin } from '@tollgate/plugin-webhook';
import { resolveEndpoint } from '../src/endpoint.js';
import { MOCK_PROVIDERS, caps, chat, startHookGateway, wiring } from './helpers.js';

async function prepare(hooks: unknown, options?: Record<string, unknown>, withGrants = false): Promise<{ hooks: HooksConfig; options: WebhookOptions; warnings: string[] }> {
  const webhook = options === undefined ? webhookPlugin : ([webhookPlugin, options] as const);
  const prepared = await prepareConfig({ raw: { providers: MOCK_PROVIDERS, hooks }, plugins: withGrants ? [grantsPlugin, webhook] : [webhook], env: {} });
  const p = prepared.plugins.find((x) => x.name === 'webhook')!;
  return { hooks: p.sections.hooks as HooksConfig, options: p.options as WebhookOptions, warnings: prepared.warnings.map(formatIssue).filter((w) => w.startsWith('plugins.webhook')) };
}

async function errors(hooks: unknown, options?: Record<string, unknown>): Promise<string[]> {
  try {
    await prepare(hooks, options);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.filter((i: ConfigIssue) => i.severity === 'error').map(formatIssue);
  }
  assert.fail('expected a configuration error');
}

describe('webhook configuration', () => {
  it('applies Aperture\'s defaults to a hook', async () => {
    const { hooks, options } = await prepare({ oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k' } });
    assert.deepEqual(hooks.oso, { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k', authorization: 'bearer', timeout: '5s', disabled: false, fail_policy: 'fail_open', preference: 0 });
    assert.equal(options.spool.enabled, true);
    assert.equal(options.spool.dir, 'webhook');
    assert.equal(options.delivery.concurrency, 32);
    assert.equal(options.spool.write_delay, '0ms', 'every event is written at once unless a delay is chosen');
  });

  it('accepts Go durations and refuses anything else, naming the path', async () => {
    for (const [timeout, ms] of [['500ms', 500], ['5s', 5000], ['1m30s', 90_000], ['1.5s', 1500], ['0', 0]] as const) {
      const { hooks } = await prepare({ h: { url: 'http://x', timeout } });
      assert.equal(resolveEndpoint('h', hooks.h!, 1).timeoutMs, ms, timeout);
    }
    const errs = await errors({ h: { url: 'http://x', timeout: '5 seconds' } });
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /^plugins\.webhook\/hooks\/h\/timeout: .*"5 seconds"/);
  });

  it('refuses an unknown authorization or fail_policy', async () => {
    const errs = await errors({ h: { url: 'http://x', authorization: 'basic', fail_policy: 'fail_sometimes' } });
    assert.equal(errs.length, 2);
    assert.match(errs[0]!, /^plugins\.webhook\/hooks\/h\/authorization: .*"basic"/);
    assert.match(errs[1]!, /^plugins\.webhook\/hooks\/h\/fail_policy: .*"fail_sometimes"/);
  });

  it('raises Aperture\'s hook warnings at load', async () => {
    const { warnings } = await prepare({ nourl: {}, bad: { url: 'not a url' }, ok: { url: 'https://example.com/hook', colour: 'blue' } }, undefined, true);
    assert.deepEqual(warnings, [
      'plugins.webhook/hooks/ok/colour: unknown config key "colour"',
      'plugins.webhook/hooks/nourl/url: hook nourl has no url configured',
      'plugins.webhook/hooks/bad/url: hook bad has an invalid URL',
    ]);
  });

  it('warns when hooks are configured but the grants plugin, which wires them, is not loaded', async () => {
    const { warnings } = await prepare({ h: { url: 'http://x' } });
    assert.deepEqual(warnings, ['plugins.webhook: plugin "grants" is not loaded: hooks fire only when another plugin wires them to requests (grants do so with send_hooks)']);
    assert.deepEqual((await prepare({ h: { url: 'http://x' } }, undefined, true)).warnings, []);
  });

  it('checks signing_secret', async () => {
    assert.deepEqual(await errors({ h: { url: 'http://x', signing_secret: 'whsec_not base64!' } }), ['plugins.webhook/hooks/h/signing_secret: must be "whsec_" followed by base64 (a Standard Webhooks secret)']);
    const { warnings } = await prepare({ h: { url: 'http://x', signing_secret: `whsec_${Buffer.alloc(8).toString('base64')}` } }, undefined, true);
    assert.deepEqual(warnings, ['plugins.webhook/hooks/h/signing_secret: is 8 bytes; Standard Webhooks recommends 24 to 64']);
  });

  it('validates plugin options', async () => {
    const errs = await errors({}, { spool: { max_bytes: 'lots' }, delivery: { concurrency: 0 }, retry: true });
    assert.equal(errs.length, 3);
    assert.ok(errs.some((e) => e.startsWith('plugins.webhook/retry: unknown option `retry`')));
    assert.ok(errs.some((e) => e.startsWith('plugins.webhook/spool/max_bytes: ')));
    assert.ok(errs.some((e) => e.startsWith('plugins.webhook/delivery/concurrency: ')));
  });

  it('maps authorization to the header Aperture (and Splunk, Cloudflare) expect', () => {
    assert.deepEqual(authHeaders('bearer', 'k1'), { authorization: 'Bearer k1' });
    assert.deepEqual(authHeaders('x-api-key', 'k2'), { 'x-api-key': 'k2' });
    assert.deepEqual(authHeaders('x-goog-api-key', 'k3'), { 'x-goog-api-key': 'k3' });
    assert.deepEqual(authHeaders('hec', 'k4'), { authorization: 'Splunk k4' });
    assert.deepEqual(authHeaders('cf-aig-authorization', 'k5'), { 'cf-aig-authorization': 'Bearer k5' });
    for (const a of ['bearer', 'x-api-key', 'x-goog-api-key', 'hec', 'cf-aig-authorization'] as const) assert.deepEqual(authHeaders(a, ''), {});
  });

  describe('auth headers on the wire', () => {
    let receiver: FakeHookReceiver;
    let gw: TestGateway;
    const KINDS = ['bearer', 'x-api-key', 'x-goog-api-key', 'hec', 'cf-aig-authorization'] as const;
    const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'cf-aig-authorization'];

    before(async () => {
      receiver = await startFakeHookReceiver();
      receiver.reply(hookReply.allow());
      const hooks: Record<string, unknown> = { none: { url: receiver.urlFor('/none') } };
      for (const kind of KINDS) hooks[kind] = { url: receiver.urlFor(`/${kind}`), apikey: `key-for-${kind}`, authorization: kind };
      const logKeys = definePlugin({
        name: 'log-keys',
        create: () => ({
          name: 'log-keys',
          apply(host) {
            host.hooks.ready.tap('log-keys', () => host.logger.info({ note: 'key-for-hec and key-for-bearer' }, 'logging hook keys'));
          },
        }),
      });
      gw = await startHookGateway({
        hooks,
        caps: caps(['none', ...KINDS].map((name) => wiring(name, ['pre_request', 'entire_request']))),
        extraPlugins: [logKeys],
      });
    });
    after(async () => {
      await gw.close();
      await receiver.close();
    });

    it('sends exactly the configured auth header, for pre_request and post-response deliveries alike', async () => {
      await chat(gw);
      await receiver.waitFor(12);
      const expected: Record<string, Record<string, string>> = {
        none: {},
        bearer: { authorization: 'Bearer key-for-bearer' },
        'x-api-key': { 'x-api-key': 'key-for-x-api-key' },
        'x-goog-api-key': { 'x-goog-api-key': 'key-for-x-goog-api-key' },
        hec: { authorization: 'Splunk key-for-hec' },
        'cf-aig-authorization': { 'cf-aig-authorization': 'Bearer key-for-cf-aig-authorization' },
      };
      for (const [name, headers] of Object.entries(expected)) {
        const deliveries = receiver.deliveriesTo(`/${name}`);
        assert.deepEqual(deliveries.map((d) => d.headers['x-tollgate-event']).sort(), ['entire_request', 'pre_request']);
        for (const d of deliveries) {
          const sent = Object.fromEntries(AUTH_HEADERS.filter((h) => d.headers[h] !== undefined).map((h) => [h, d.headers[h]]));
          assert.deepEqual(sent, headers, `${name} (${String(d.headers['x-tollgate-event'])})`);
        }
      }
    });

    it('registers hook keys as secrets, so logs never show them', () => {
      const line = gw.logs.withMessage('logging hook keys')[0];
      assert.equal(line?.note, '*** and ***');
    });
  });
});
