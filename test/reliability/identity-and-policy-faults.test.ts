import assert from 'node:assert/strict';
import { type FakeOso, type FakeTailscaled, fakeWhoIsUser, startFakeOso, startFakeTailscaled } from '@tollgate/testing';
import { FORMATS, type FormatCase, assertErrorEnvelope, assertStreamEndsWithError } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, post } from './support/http.js';
import { MOCK_PROVIDER, toolRequest } from './support/tools.js';

const OPEN_GRANT = { src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } };

/** A token of a tool call's structure in each format's answer (never part of an error message). */
const CALL_TOKEN: Record<FormatCase['name'], string> = {
  openai_chat: '"tool_calls"',
  openai_responses: '"function_call"',
  anthropic_messages: '"tool_use"',
  gemini: '"functionCall"',
};

/** How a client of each format presents a key. */
function keyHeaders(format: FormatCase, key: string): Record<string, string> {
  if (format.name === 'anthropic_messages') return { 'x-api-key': key };
  if (format.name === 'gemini') return { 'x-goog-api-key': key };
  return { authorization: `Bearer ${key}` };
}

describe('reliability: a presented credential is checked (issue 21)', () => {
  const guard = useGuard();
  const CI_KEY = 'tg-ci-key-7f31aa90';

  it('with client keys configured, a wrong key from loopback gets 401 in all four formats (the access line names the resolver); no key is still (loopback)', async () => {
    const gw = await guard.gateway({
      config: { providers: MOCK_PROVIDER, identity: { api_keys: { [CI_KEY]: 'ci-bot' } }, grants: [{ ...OPEN_GRANT, src: ['*'] }] },
      plugins: ['grants'],
    });
    for (const format of FORMATS) {
      for (const stream of [false, true]) {
        const { path, body } = toolRequest(format, stream);
        const wrong = await post(gw.url, path, body, keyHeaders(format, 'tg-revoked-key-0000'));
        const message = assertErrorEnvelope(format, wrong, 401);
        assert.match(message, /invalid API key/);
        assert.ok(!wrong.text.includes(CALL_TOKEN[format.name]), `${format.name}: no answer behind the 401`);
      }
    }
    // Gemini's ?key= is a credential too.
    const gemini = FORMATS[3]!;
    const { path, body } = toolRequest(gemini, false);
    assertErrorEnvelope(gemini, await post(gw.url, `${path}?key=tg-revoked-key-0000`, body), 401);
    const refused = FORMATS.length * 2 + 1;
    const lines = gw.logs.withMessage('request completed');
    assert.equal(lines.length, refused);
    assert.ok(lines.every((l) => l.status === 401 && l.refusedBy === 'api-keys' && l.identity === undefined), JSON.stringify(lines[0]));

    const answers = await Promise.all(FORMATS.map((format) => post(gw.url, toolRequest(format, false).path, toolRequest(format, false).body)));
    answers.forEach((a, i) => assert.equal(a.status, 200, `${FORMATS[i]!.name}: ${a.text.slice(0, 200)}`));
    const keyed = await post(gw.url, toolRequest(FORMATS[0]!, false).path, toolRequest(FORMATS[0]!, false).body, keyHeaders(FORMATS[0]!, CI_KEY));
    assert.equal(keyed.status, 200);
    const exchanges = await Promise.all([1, 2, 3, 4, 5].map((n) => gw.exchange(refused + n)));
    assert.deepEqual(exchanges.map((e) => e.identity?.login), ['(loopback)', '(loopback)', '(loopback)', '(loopback)', 'ci-bot']);
  });

  it('without client keys, any key from loopback is (loopback), as the README\'s SDK examples need', async () => {
    const gw = await guard.gateway({ config: { providers: MOCK_PROVIDER, grants: [OPEN_GRANT] }, plugins: ['grants'] });
    for (const format of FORMATS) {
      const { path, body } = toolRequest(format, false);
      const answer = await post(gw.url, path, body, keyHeaders(format, 'unused-on-loopback'));
      assert.equal(answer.status, 200, `${format.name}: ${answer.text.slice(0, 200)}`);
    }
    assert.deepEqual((await Promise.all([1, 2, 3, 4].map((n) => gw.exchange(n)))).map((e) => e.identity?.login), ['(loopback)', '(loopback)', '(loopback)', '(loopback)']);
  });
});

describe('reliability: tailscaled misbehaving', () => {
  const guard = useGuard();
  let tailscaled: FakeTailscaled;

  beforeEach(async () => {
    tailscaled = await startFakeTailscaled({ whois: { '127.0.0.1': fakeWhoIsUser('alice@example.com') } });
    guard.defer(() => tailscaled.close());
  });

  const faults: Array<[string, () => void | Promise<void>, () => void | Promise<void>]> = [
    ['is down', () => tailscaled.stop(), () => tailscaled.start()],
    ['hangs', () => tailscaled.pause(), () => tailscaled.resume()],
    ['answers garbage', () => tailscaled.setWhoIs('127.0.0.1', { status: 200, body: '{"Node": tru' }), () => tailscaled.setWhoIs('127.0.0.1', fakeWhoIsUser('alice@example.com'))],
    ['answers 500', () => tailscaled.setWhoIs('127.0.0.1', { status: 500, body: 'internal error' }), () => tailscaled.setWhoIs('127.0.0.1', fakeWhoIsUser('alice@example.com'))],
  ];

  for (const [name, inject, heal] of faults) {
    it(`tailscaled ${name}: 503 in each format’s envelope, never a crash; identified again once it recovers`, async () => {
      const gw = await guard.gateway({
        config: { providers: MOCK_PROVIDER, identity: { loopback: false }, grants: [{ ...OPEN_GRANT, src: ['alice@example.com'] }] },
        plugins: ['grants', ['tailscale', { socket: tailscaled.socketPath, timeout: '300ms', whois_loopback: true, cache_ttl: '0' }]],
      });
      await inject();
      const answers = await Promise.all(FORMATS.map((format) => post(gw.url, toolRequest(format, false).path, toolRequest(format, false).body)));
      FORMATS.forEach((format, i) => assertErrorEnvelope(format, answers[i] as Answer, 503));
      await heal();
      const { path, body } = toolRequest(FORMATS[0]!, true);
      const ok = await post(gw.url, path, body);
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await gw.exchange(FORMATS.length + 1)).identity?.login, 'alice@example.com');
    });
  }
});

describe('reliability: Oso misbehaving', () => {
  const guard = useGuard();
  let oso: FakeOso;

  beforeEach(async () => {
    oso = await startFakeOso({ policy: [{ actor_type: 'User', actor_id: '*', action: 'call', resource_type: 'Tool', resource_id: 'delete_file' }] });
    guard.defer(() => oso.close());
  });

  const faults: Array<[string, () => void | Promise<void>, () => void | Promise<void>]> = [
    ['is down', () => oso.down(), () => oso.up()],
    ['hangs', () => oso.hang(true), () => oso.hang(false)],
    ['is slower than the timeout', () => oso.slow(1000), () => oso.slow(0)],
    ['answers 500', () => oso.failNext(500, 64), () => drainScriptedFailures()],
    ['refuses the key (401)', () => oso.failNext(401, 64), () => drainScriptedFailures()],
  ];

  /** Uses up the scripted failures the gateway did not meet (the fake has no way to cancel them). */
  async function drainScriptedFailures(): Promise<void> {
    const check = { actor_type: 'User', actor_id: 'x', action: 'call', resource_type: 'Tool', resource_id: 'delete_file' };
    for (let i = 0; i < 100; i++) {
      const answer = await post(oso.url, '/api/authorize', check, { authorization: `Bearer ${oso.apiKey}` });
      if (answer.status === 200) return;
    }
    assert.fail('the scripted failures never ran out');
  }

  /** The call never reaches the client: a 503 in the envelope, or a stream ended by an error before any call event. */
  function assertNoCall(format: FormatCase, answer: Answer): void {
    assert.ok(!answer.text.includes(CALL_TOKEN[format.name]), `${format.name}: no tool call reaches the client: ${answer.text.slice(0, 300)}`);
    if (answer.status === 200) assertStreamEndsWithError(format, answer.text);
    else assertErrorEnvelope(format, answer, 503);
  }

  for (const [name, inject, heal] of faults) {
    for (const policy of ['fail_closed', 'fail_open'] as const) {
      it(`Oso ${name}, ${policy}: ${policy === 'fail_closed' ? 'no tool call reaches any client' : 'tool calls pass'}; checks resume once it recovers`, async () => {
        const gw = await guard.gateway({
          config: { providers: MOCK_PROVIDER, grants: [OPEN_GRANT] },
          plugins: ['grants', ['oso', { enforce: { url: oso.url, apiKey: oso.apiKey, timeout: '300ms', retries: 1, cache_ttl: '0', fail_policy: policy } }]],
        });
        await inject();
        // Every format, streamed and not, at once: concurrent checks against a failing Oso.
        const cases = FORMATS.flatMap((format) => [false, true].map((stream) => ({ format, ...toolRequest(format, stream) })));
        const answers = await Promise.all(cases.map((c) => post(gw.url, c.path, c.body)));
        cases.forEach((c, i) => {
          const answer = answers[i] as Answer;
          if (policy === 'fail_closed') assertNoCall(c.format, answer);
          else {
            assert.equal(answer.status, 200, `${c.format.name}: ${answer.text.slice(0, 200)}`);
            assert.ok(answer.text.includes(CALL_TOKEN[c.format.name]), `${c.format.name}: the call passes`);
          }
        });
        await heal();
        const before = oso.count('authorize');
        const { path, body } = toolRequest(FORMATS[0]!, false);
        const ok = await post(gw.url, path, body);
        assert.equal(ok.status, 200, ok.text);
        assert.ok(ok.text.includes('delete_file'));
        assert.ok(oso.count('authorize') > before, 'a failure was not cached: Oso decided again');
      });
    }
  }

  it('Oso telemetry while Oso is down: clients are not affected; every delivery arrives once it is back', async () => {
    const gw = await guard.gateway({
      config: { providers: MOCK_PROVIDER, grants: [OPEN_GRANT] },
      plugins: ['grants', ['webhook', { delivery: { retry_initial: '20ms', retry_max: '100ms' } }], ['oso', { apiKey: oso.apiKey, url: oso.modelRequestUrl, timeout: '300ms' }]],
    });
    await oso.down();
    for (const format of FORMATS) {
      const { path, body } = toolRequest(format, true);
      assert.equal((await post(gw.url, path, body)).status, 200);
    }
    await gw.exchange(FORMATS.length);
    await oso.up();
    await oso.waitFor(FORMATS.length, 10_000);
    assert.equal(new Set(oso.modelRequests.map((c) => String(c.headers['webhook-id']))).size, FORMATS.length);
  });
});
