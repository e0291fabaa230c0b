import assert from 'node:assert/strict';
import grantsPlugin from '@tollgate/plugin-grants';
import tailscalePlugin, { UNAVAILABLE_MESSAGE } from '@tollgate/plugin-tailscale';
import { type FakeTailscaled, type TestGateway, fakeWhoIsTagged, fakeWhoIsUser, startFakeTailscaled, startTestGateway } from '@tollgate/testing';
import { Agent, request } from 'undici';

/**
 * End to end: a gateway on 127.0.0.1 with the grants and tailscale plugins, a fake tailscaled on
 * a unix socket, and clients bound to distinct loopback source addresses (127.0.0.2, .3, ...).
 * `whois_loopback` makes the plugin ask tailscaled about those addresses, which the fake maps to
 * tailnet callers, the way tailscaled does for connections it proxies in userspace networking.
 */

const AP = 'tailscale.com/cap/aperture';
const ALICE = '127.0.0.2';
const CI = '127.0.0.3';
const STRANGER = '127.0.0.4';
const SERVE_PROXY = '127.0.0.9';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One client bound to a source address (its own connection pool). */
class Client {
  readonly #agent: Agent;
  readonly #base: string;
  constructor(base: string, from: string) {
    this.#base = base;
    // One connection per client: its requests share a source port, as a keep-alive client's do.
    this.#agent = new Agent({ localAddress: from, connections: 1 });
  }
  async send(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await request(`${this.#base}${path}`, {
      method,
      dispatcher: this.#agent,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }
  chat(model: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, headers);
  }
  close(): Promise<void> {
    return this.#agent.close();
  }
}

describe('tailscale identity end to end (fake tailscaled on a unix socket)', () => {
  let fake: FakeTailscaled;
  let gw: TestGateway;
  const clients: Client[] = [];
  const client = (from: string): Client => {
    const c = new Client(gw.url, from);
    clients.push(c);
    return c;
  };

  before(async () => {
    fake = await startFakeTailscaled({
      whois: {
        [ALICE]: fakeWhoIsUser('alice@example.com', { host: 'alice-laptop', stableId: 'nALICE1CNTRL', tailnet: 'tail1234.ts.net' }),
        [CI]: fakeWhoIsTagged(['tag:ci'], { host: 'runner', stableId: 'nRUNNER1CNTRL' }),
      },
    });
    gw = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['mock-1', 'mock-2', 'mock-secret'] } },
        identity: { loopback: false },
        grants: [
          { src: ['alice@example.com'], app: { [AP]: [{ role: 'user' }, { models: 'mock/mock-1' }] } },
          { src: ['tag:ci'], app: { [AP]: [{ role: 'user' }, { models: 'mock/mock-1' }, { models: 'mock/mock-2' }] } },
          { src: ['admin@example.com'], app: { [AP]: [{ role: 'admin' }, { models: '**' }] } },
        ],
      },
      plugins: [grantsPlugin, [tailscalePlugin, { socket: fake.socketPath, whois_loopback: true, trusted_proxies: [`${SERVE_PROXY}/32`] }]],
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    if (!fake.running) await fake.start();
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  it('identifies a user by WhoIs and applies their grants; the decision is in the access log and the exchange', async () => {
    const alice = client(ALICE);
    const before = gw.exchanges.length;
    const logged = gw.logs.access.length;
    assert.equal((await alice.chat('mock-1')).status, 200);
    assert.equal((await alice.chat('mock-2')).status, 404);
    const ok = await gw.exchange(before + 1);
    assert.deepEqual(
      [ok.identity?.login, ok.identity?.resolver, ok.identity?.tailnetName, ok.identity?.stableNodeId],
      ['alice@example.com', 'tailscale', 'tail1234.ts.net', 'nALICE1CNTRL'],
    );
    assert.deepEqual(
      ok.decisions.map((d) => [d.plugin, d.allowed, d.reason]),
      [['grants', true, 'role user']],
    );
    assert.deepEqual(
      gw.logs.access.slice(logged).map((l) => [l.status, l.identity, l.resolver, l.decisions]),
      [
        [200, 'alice@example.com', 'tailscale', ['grants:model=allow (role user)']],
        [404, 'alice@example.com', 'tailscale', ['grants:model=deny (model not granted (role user))']],
      ],
    );
  });

  it('caches the WhoIs answer: one call for several requests on a connection', async () => {
    const alice = client(ALICE);
    const calls = fake.callCount;
    await alice.chat('mock-1');
    await alice.chat('mock-1');
    await alice.send('GET', '/v1/models');
    assert.equal(fake.callCount, calls + 1, JSON.stringify(fake.calls));
  });

  it('identifies a tagged device by its tags', async () => {
    const ci = client(CI);
    const before = gw.exchanges.length;
    assert.equal((await ci.chat('mock-2')).status, 200);
    assert.equal((await ci.chat('mock-secret')).status, 404);
    const e = await gw.exchange(before + 1);
    assert.deepEqual([e.identity?.login, e.identity?.tags, e.identity?.stableNodeId], ['tag:ci', ['tag:ci'], 'nRUNNER1CNTRL']);
    const models = await ci.send('GET', '/v1/models');
    assert.deepEqual(
      (models.body.data as Array<{ id: string }>).map((m) => m.id),
      ['mock-1', 'mock-2'],
    );
  });

  it('refuses an address tailscaled does not know with 401', async () => {
    const stranger = client(STRANGER);
    const calls = fake.callCount;
    const r = await stranger.chat('mock-1');
    assert.equal(r.status, 401);
    assert.match((r.body.error as { message: string }).message, /caller not identified/);
    assert.equal(fake.callCount, calls + 1);
    assert.match(fake.calls.at(-1) ?? '', /^127\.0\.0\.4:\d+$/);
  });

  it('ignores spoofed Tailscale-User-Login headers from a source that is not a trusted proxy', async () => {
    const spoof = { 'tailscale-user-login': 'admin@example.com', 'tailscale-user-name': 'Admin' };
    const ci = client(CI);
    const before = gw.exchanges.length;
    const r = await ci.chat('mock-secret', spoof);
    assert.equal(r.status, 404, 'the tagged device does not get the admin grant');
    const e = await gw.exchange(before + 1);
    assert.deepEqual([e.identity?.login, e.identity?.resolver], ['tag:ci', 'tailscale']);
    assert.equal((await client(STRANGER).chat('mock-secret', spoof)).status, 401, 'an unknown source stays unidentified');
    // Two spoofed requests, one log line: the warning is rate-limited so a peer cannot flood the log.
    assert.equal(gw.logs.withMessage('ignored Tailscale-User-* headers from an untrusted address').length, 1);
  });

  it('believes the same headers from the trusted tailscale serve proxy', async () => {
    const before = gw.exchanges.length;
    const calls = fake.callCount;
    const r = await client(SERVE_PROXY).chat('mock-secret', { 'tailscale-user-login': 'admin@example.com', 'tailscale-user-name': 'Admin' });
    assert.equal(r.status, 200);
    const e = await gw.exchange(before + 1);
    assert.deepEqual([e.identity?.login, e.identity?.displayName, e.identity?.resolver], ['admin@example.com', 'Admin', 'tailscale-serve']);
    assert.equal(fake.callCount, calls, 'no WhoIs for a trusted serve identity');
  });

  it('answers 503 in the client API format while tailscaled is down, keeps serving, and recovers', async () => {
    await fake.stop();
    const alice = client(ALICE);
    const chat = await alice.chat('mock-1');
    assert.equal(chat.status, 503);
    assert.deepEqual([(chat.body.error as { message: string }).message, (chat.body.error as { code?: string }).code], [UNAVAILABLE_MESSAGE, 'identity_unavailable']);
    if (gw.gateway.runtime.formats.get('anthropic_messages') !== undefined) {
      const msg = await alice.send('POST', '/v1/messages', { model: 'mock-1', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
      assert.equal(msg.status, 503);
      assert.deepEqual([msg.body.type, (msg.body.error as { message: string }).message], ['error', UNAVAILABLE_MESSAGE]);
    }
    const models = await alice.send('GET', '/v1/models');
    assert.equal(models.status, 503);
    assert.equal((models.body.error as { message: string }).message, UNAVAILABLE_MESSAGE);
    assert.equal((await alice.send('GET', '/healthz')).status, 200, 'the gateway is still up');
    await fake.start();
    const again = client(ALICE);
    assert.equal((await again.chat('mock-1')).status, 200);
  });
});
