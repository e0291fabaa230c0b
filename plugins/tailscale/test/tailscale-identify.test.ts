import assert from 'node:assert/strict';
import { ApiErrorException, ConfigError, type IdentifyInput, type Identity, PluginHookError, type PluginInput, prepareConfig, validateSection } from '@tollgate/core';
import tailscalePlugin, { TailscalePlugin, type TailscaleOptions, TailscaleOptionsSchema, UNAVAILABLE_MESSAGE, decodeMimeWords, tailnetNameOf } from '@tollgate/plugin-tailscale';
import { type FakeTailscaled, type PluginHarness, createPluginHarness, fakeWhoIsTagged, fakeWhoIsUser, startFakeTailscaled } from '@tollgate/testing';

const ALICE_IP = '100.101.102.103';
const CI_IP = '100.101.102.104';
const V6_IP = 'fd7a:115c:a1e0::5';

function input(remoteAddress: string, extra: Partial<IdentifyInput> = {}): IdentifyInput {
  const isLoopback = remoteAddress.startsWith('127.') || remoteAddress === '::1';
  return { requestId: 'r1', remoteAddress, remotePort: 51234, isLoopback, headers: {}, credential: undefined, ...extra };
}

function options(fake: FakeTailscaled, extra: Record<string, unknown> = {}): TailscaleOptions {
  const r = validateSection<TailscaleOptions>('plugins.tailscale', TailscaleOptionsSchema, { socket: fake.socketPath, ...extra });
  assert.deepEqual(r.issues, []);
  return r.value;
}

/** The 503 an identify tap threw, unwrapped from core's PluginHookError. */
function unavailable(err: unknown): boolean {
  const cause = err instanceof PluginHookError ? err.cause : err;
  assert.ok(cause instanceof ApiErrorException, String(err));
  assert.deepEqual([cause.apiError.status, cause.apiError.kind, cause.apiError.message, cause.apiError.code], [503, 'unavailable', UNAVAILABLE_MESSAGE, 'identity_unavailable']);
  return true;
}

describe('tailscale plugin: identify', () => {
  let fake: FakeTailscaled;
  let h: PluginHarness;
  let clock: number;
  const identify = (i: IdentifyInput): Promise<Identity | undefined> => h.hooks.identify.promise(i);

  async function harness(extra: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<void> {
    await h?.close();
    const plugin = new TailscalePlugin(options(fake, extra), { now: () => clock });
    // Without core's loopback fallback, so that what the plugin decides is what identify returns.
    h = await createPluginHarness({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } }, identity: { loopback: false }, ...config }, plugins: [plugin] });
  }

  beforeEach(async () => {
    clock = 1_000_000;
    fake = await startFakeTailscaled({
      whois: {
        [ALICE_IP]: fakeWhoIsUser('alice@example.com', { displayName: 'Alice Example', host: 'alice-laptop', stableId: 'nALICE1CNTRL', groups: ['group:eng'] }),
        [CI_IP]: fakeWhoIsTagged(['tag:prod', 'tag:api'], { host: 'builder', stableId: 'nCI1CNTRL' }),
        [V6_IP]: fakeWhoIsUser('v6@example.com'),
        '100.64.0.9': { Node: { ID: 9, StableID: 'nX', Name: 'odd.tail1234.ts.net.' }, UserProfile: { ID: 1, LoginName: 'tagged-devices' } },
      },
    });
    await harness();
  });
  afterEach(async () => {
    await h.close();
    await fake.close();
  });

  it("identifies a user's node by login, with tailnet name, stable node id and visible groups", async () => {
    const id = await identify(input(ALICE_IP));
    assert.ok(id !== undefined);
    assert.deepEqual(
      { login: id.login, displayName: id.displayName, tags: id.tags, groups: id.groups, loopback: id.loopback, tailnetName: id.tailnetName, stableNodeId: id.stableNodeId, resolver: id.resolver },
      { login: 'alice@example.com', displayName: 'Alice Example', tags: [], groups: ['group:eng'], loopback: false, tailnetName: 'tail1234.ts.net', stableNodeId: 'nALICE1CNTRL', resolver: 'tailscale' },
    );
    assert.deepEqual(id.attributes, { source: 'whois', nodeName: 'alice-laptop.tail1234.ts.net', nodeId: 1001, userId: 2001 });
    assert.deepEqual(fake.calls, [`${ALICE_IP}:51234`]);
  });

  it('identifies a tagged node by its tags, sorted and joined with commas', async () => {
    const id = await identify(input(CI_IP));
    assert.deepEqual([id?.login, id?.tags, id?.groups, id?.displayName, id?.stableNodeId], ['tag:api,tag:prod', ['tag:api', 'tag:prod'], [], 'builder', 'nCI1CNTRL']);
  });

  it('asks about IPv6 peers as [ip]:port', async () => {
    assert.equal((await identify(input(V6_IP, { remotePort: 443 })))?.login, 'v6@example.com');
    assert.deepEqual(fake.calls, [`[${V6_IP}]:443`]);
  });

  it('leaves an address tailscaled does not know unidentified', async () => {
    assert.equal(await identify(input('100.64.0.77')), undefined);
    assert.deepEqual(fake.calls, ['100.64.0.77:51234']);
  });

  it('leaves a node with neither a user nor tags unidentified', async () => {
    assert.equal(await identify(input('100.64.0.9')), undefined);
    assert.ok(h.logs.lines.some((l) => l.msg === 'node has neither a user nor tags; caller not identified'));
  });

  it('caches answers by IP for cache_ttl, then asks again', async () => {
    await identify(input(ALICE_IP, { remotePort: 1 }));
    await identify(input(ALICE_IP, { remotePort: 2 }));
    assert.equal(fake.callCount, 1);
    clock += 30_000;
    await identify(input(ALICE_IP, { remotePort: 3 }));
    assert.equal(fake.callCount, 2);
  });

  it('reuses the same identity object while cached (grants then decide once per caller)', async () => {
    assert.equal(await identify(input(ALICE_IP)), await identify(input(ALICE_IP)));
  });

  it('caches "unknown" for negative_cache_ttl only', async () => {
    await identify(input('100.64.0.77'));
    clock += 4_000;
    await identify(input('100.64.0.77'));
    assert.equal(fake.callCount, 1);
    clock += 1_000;
    fake.setWhoIs('100.64.0.77', fakeWhoIsUser('newcomer@example.com'));
    assert.equal((await identify(input('100.64.0.77')))?.login, 'newcomer@example.com');
    assert.equal(fake.callCount, 2);
  });

  it('asks every time with cache_ttl 0', async () => {
    await harness({ cache_ttl: '0', negative_cache_ttl: '0' });
    await identify(input(ALICE_IP));
    await identify(input(ALICE_IP));
    assert.equal(fake.callCount, 2);
  });

  it('keeps at most cache_size answers, dropping the oldest', async () => {
    await harness({ cache_size: 2 });
    await identify(input(ALICE_IP));
    await identify(input(CI_IP));
    await identify(input(V6_IP));
    await identify(input(V6_IP));
    assert.equal(fake.callCount, 3);
    await identify(input(ALICE_IP));
    assert.equal(fake.callCount, 4, 'the oldest answer was dropped');
  });

  it('shares one WhoIs between concurrent callers of a cold address', async () => {
    fake.pause();
    const all = Promise.all([identify(input(ALICE_IP, { remotePort: 1 })), identify(input(ALICE_IP, { remotePort: 2 })), identify(input(ALICE_IP, { remotePort: 3 }))]);
    await fake.waitForCalls(1);
    fake.resume();
    const ids = await all;
    assert.deepEqual(
      ids.map((i) => i?.login),
      ['alice@example.com', 'alice@example.com', 'alice@example.com'],
    );
    assert.equal(fake.callCount, 1);
  });

  it('answers 503 while tailscaled is down, logs it once, and recovers when it is back', async () => {
    await identify(input(V6_IP));
    await fake.stop();
    assert.equal((await identify(input(V6_IP)))?.login, 'v6@example.com', 'a cached identity is still served');
    await assert.rejects(identify(input(ALICE_IP)), unavailable);
    assert.equal((await identify(input(V6_IP)))?.login, 'v6@example.com');
    await assert.rejects(identify(input(CI_IP)), unavailable);
    assert.equal(h.logs.withMessage('tailscaled cannot identify callers; answering 503').length, 1);
    assert.equal(h.logs.withMessage('tailscaled is answering again').length, 0, 'a cache hit is no recovery');
    await fake.start();
    assert.equal((await identify(input(ALICE_IP)))?.login, 'alice@example.com');
    assert.equal(h.logs.withMessage('tailscaled is answering again').length, 1);
  });

  for (const [what, answer] of [
    ['refuses WhoIs (403)', { status: 403, body: 'whois access denied\n' }],
    ['fails (500)', { status: 500, body: 'internal error\n' }],
    ['answers invalid JSON', { status: 200, body: '{"Node":' }],
  ] as const) {
    it(`answers 503 when tailscaled ${what}, and does not cache it`, async () => {
      fake.setWhoIs('100.64.0.50', answer);
      await assert.rejects(identify(input('100.64.0.50')), unavailable);
      fake.setWhoIs('100.64.0.50', fakeWhoIsUser('fixed@example.com'));
      assert.equal((await identify(input('100.64.0.50')))?.login, 'fixed@example.com');
    });
  }

  it('does not ask tailscaled about loopback callers by default', async () => {
    assert.equal(await identify(input('127.0.0.1')), undefined);
    assert.equal(fake.callCount, 0);
  });

  it("leaves loopback callers to core's (loopback) fallback when it is on", async () => {
    await harness({}, { identity: { loopback: true } });
    const id = await identify(input('127.0.0.1', { headers: { 'tailscale-user-login': ['a@example.com', 'b@example.com'] } }));
    assert.deepEqual([id?.login, id?.resolver], ['(loopback)', 'loopback']);
    assert.equal(fake.callCount, 0);
  });

  it('asks about loopback callers by IP:PORT with whois_loopback (userspace networking)', async () => {
    await harness({ whois_loopback: true });
    fake.setWhoIs('127.0.0.1:40001', fakeWhoIsUser('proxied@example.com'));
    assert.equal((await identify(input('127.0.0.1', { remotePort: 40001 })))?.login, 'proxied@example.com');
    assert.equal(await identify(input('127.0.0.1', { remotePort: 40002 })), undefined, 'another proxied connection is another caller');
    assert.deepEqual(fake.calls, ['127.0.0.1:40001', '127.0.0.1:40002']);
  });

  it('lets an API key identify first, without asking tailscaled', async () => {
    await harness({}, { identity: { api_keys: { 'key-ci': 'ci-bot' } } });
    const id = await identify(input(ALICE_IP, { credential: 'key-ci' }));
    assert.deepEqual([id?.login, id?.resolver], ['ci-bot', 'api-keys']);
    assert.equal(fake.callCount, 0);
  });

  describe('tailscale serve headers', () => {
    // tailscale serve on this machine, listed explicitly (the default trusts nobody).
    beforeEach(() => harness({ trusted_proxies: ['127.0.0.0/8', '::1/128'] }));
    const serve = { 'tailscale-user-login': 'rene@example.com', 'tailscale-user-name': '=?utf-8?q?Ren=C3=A9_Dupont?=', 'tailscale-user-profile-pic': 'https://example.com/rene.png' };

    it('ignores them from loopback by default: any local process could send them (issue 14)', async () => {
      await harness({});
      assert.equal(await identify(input('127.0.0.1', { headers: serve })), undefined);
      assert.equal(h.logs.withMessage('ignored Tailscale-User-* headers from an untrusted address').length, 1);
    });

    it('believes them from loopback once it is listed (tailscale serve on this machine), without WhoIs', async () => {
      const id = await identify(input('127.0.0.1', { headers: serve }));
      assert.deepEqual([id?.login, id?.displayName, id?.resolver, id?.loopback, id?.attributes], ['rene@example.com', 'René Dupont', 'tailscale-serve', false, { source: 'serve-headers', profilePicUrl: 'https://example.com/rene.png' }]);
      assert.equal(fake.callCount, 0);
    });

    it('ignores them from a tailnet peer that sends them itself, and asks WhoIs', async () => {
      const id = await identify(input(ALICE_IP, { headers: { 'tailscale-user-login': 'admin@example.com' } }));
      assert.deepEqual([id?.login, id?.resolver], ['alice@example.com', 'tailscale']);
      assert.equal(h.logs.withMessage('ignored Tailscale-User-* headers from an untrusted address').length, 1);
    });

    it('logs ignored spoofed headers at most once a minute, however often they come', async () => {
      for (let i = 0; i < 5; i++) await identify(input(ALICE_IP, { headers: { 'tailscale-user-login': 'admin@example.com' } }));
      const lines = h.logs.withMessage('ignored Tailscale-User-* headers from an untrusted address');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.ignored, 1);
    });

    it('ignores them from an unknown address, which stays unidentified', async () => {
      assert.equal(await identify(input('100.64.0.77', { headers: { 'tailscale-user-login': 'admin@example.com' } })), undefined);
    });

    it('believes them from a configured trusted proxy only (the list replaces loopback)', async () => {
      await harness({ trusted_proxies: ['10.0.0.0/24'] });
      assert.equal((await identify(input('10.0.0.5', { headers: serve })))?.login, 'rene@example.com');
      assert.equal(await identify(input('127.0.0.1', { headers: serve })), undefined);
      assert.equal(await identify(input('10.0.1.5', { headers: serve })), undefined);
    });

    it('ignores them everywhere with serve_headers: false', async () => {
      await harness({ serve_headers: false });
      assert.equal(await identify(input('127.0.0.1', { headers: serve })), undefined);
    });

    it('ignores a login header sent twice or holding control characters', async () => {
      assert.equal(await identify(input('127.0.0.1', { headers: { 'tailscale-user-login': ['a@example.com', 'b@example.com'] } })), undefined);
      assert.equal(await identify(input('127.0.0.1', { headers: { 'tailscale-user-login': '=?utf-8?q?a=0Ab@example.com?=' } })), undefined);
      assert.equal(h.logs.withMessage('ignored unusable Tailscale-User-* headers').length, 2);
    });
  });
});

describe('tailscale plugin: start-up', () => {
  it('warns, and still starts, when the tailscaled socket does not exist', async () => {
    const h = await createPluginHarness({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [[tailscalePlugin, { socket: '/nonexistent/tailscaled.sock' }] as unknown as PluginInput] });
    try {
      const lines = h.logs.withMessage('tailscaled socket not found; tailnet callers will get 503 until tailscaled is running');
      assert.deepEqual(
        lines.map((l) => [l.socket, l.code]),
        [['/nonexistent/tailscaled.sock', 'ENOENT']],
      );
      await assert.rejects(h.hooks.identify.promise(input(ALICE_IP)), unavailable);
    } finally {
      await h.close();
    }
  });

  it('does not warn when tailscaled is there', async () => {
    const fake = await startFakeTailscaled();
    const h = await createPluginHarness({ config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } }, plugins: [[tailscalePlugin, { socket: fake.socketPath }] as unknown as PluginInput] });
    try {
      assert.equal(h.logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('tailscaled socket')).length, 0);
    } finally {
      await h.close();
      await fake.close();
    }
  });
});

describe('tailscale plugin: helpers', () => {
  it('derives the tailnet name from the MagicDNS name', () => {
    assert.deepEqual(
      ['laptop.tail1234.ts.net.', 'laptop.example.com', 'laptop', 'laptop.', undefined].map(tailnetNameOf),
      ['tail1234.ts.net', 'example.com', undefined, undefined, undefined],
    );
  });

  it('decodes RFC 2047 words the way tailscale serve encodes them', () => {
    assert.deepEqual(
      ['=?utf-8?q?Ren=C3=A9?=', '=?utf-8?b?UmVuw6k=?=', '=?utf-8?q?Ren?= =?utf-8?q?=C3=A9?=', 'plain', '=?x-unknown?q?a?='].map(decodeMimeWords),
      ['René', 'René', 'René', 'plain', '=?x-unknown?q?a?='],
    );
  });
});

describe('tailscale plugin: options', () => {
  const providers = { mock: { baseurl: 'mock://', models: ['mock-1'] } };
  const load = (opts: Record<string, unknown>, config: Record<string, unknown> = {}) =>
    prepareConfig({ raw: { providers, ...config }, plugins: [[tailscalePlugin, opts] as unknown as PluginInput], env: {} });

  it('fills defaults', async () => {
    const prepared = await load({});
    assert.deepEqual(prepared.plugins[0]?.options, {
      socket: '/var/run/tailscale/tailscaled.sock',
      timeout: '2s',
      cache_ttl: '30s',
      negative_cache_ttl: '5s',
      cache_size: 10000,
      serve_headers: true,
      trusted_proxies: [],
      whois_loopback: false,
    });
  });

  it('refuses unknown options and malformed trusted proxies, listing every problem', async () => {
    await assert.rejects(load({ sokcet: '/x', timeout: 'soon' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.filter((i) => i.severity === 'error').map((i) => i.path).sort(), ['plugins.tailscale/sokcet', 'plugins.tailscale/timeout']);
      return true;
    });
    await assert.rejects(load({ trusted_proxies: ['10.0.0.0/33', 'proxy.local', '10.1.2.3'] }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.issues.filter((i) => i.severity === 'error').map((i) => i.message),
        ['"10.0.0.0/33" has an invalid prefix length', '"proxy.local" is not an IP address or CIDR'],
      );
      return true;
    });
  });

  it('warns when whois_loopback meets the loopback identity', async () => {
    const on = await load({ whois_loopback: true });
    assert.deepEqual(
      on.warnings.filter((w) => w.path.startsWith('plugins.tailscale')).map((w) => w.path),
      ['plugins.tailscale/whois_loopback'],
    );
    const off = await load({ whois_loopback: true }, { identity: { loopback: false } });
    assert.deepEqual(
      off.warnings.filter((w) => w.path.startsWith('plugins.tailscale')),
      [],
    );
  });
});
