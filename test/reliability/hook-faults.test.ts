import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HookStats, webhookStats } from '@tollgate/plugin-webhook';
import { type FakeHookReceiver, type HookReply, type TestGateway, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { FORMATS, assertErrorEnvelope } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, post } from './support/http.js';
import { MOCK_PROVIDER, toolRequest } from './support/tools.js';

const CHAT = FORMATS[0]!;
const HOOK_KEY = 'hk-SECRET-hook-key-5b2e91';

/** How a receiver misbehaves; `down` stops listening (connection refused). */
type Fault = { readonly name: string; readonly reply?: HookReply; readonly down?: true };
const FAULTS: readonly Fault[] = [
  { name: 'hangs', reply: hookReply.hang() },
  { name: 'resets the connection', reply: hookReply.reset() },
  { name: 'answers garbage', reply: hookReply.garbage() },
  { name: 'answers 500', reply: hookReply.status(500) },
  { name: 'answers 429 with Retry-After', reply: hookReply.status(429, 0) },
  { name: 'is down', down: true },
];

/** Grants wiring `guard` (pre_request) and `audit` (both post-response events) for everyone. */
function grants(): unknown[] {
  return [
    {
      src: ['*'],
      app: {
        'tailscale.com/cap/aperture': [
          { role: 'user' },
          { models: '**' },
          {
            send_hooks: [
              { name: 'guard', events: ['pre_request'], send: ['user_message'] },
              { name: 'audit', events: ['entire_request', 'tool_call_entire_request'], send: ['tools', 'response_body', 'user_message'] },
            ],
          },
        ],
      },
    },
  ];
}

describe('reliability: hook receivers that misbehave', () => {
  const guard = useGuard();
  let receiver: FakeHookReceiver;
  let dataDir: string;

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
    guard.defer(() => receiver.close());
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-reliability-'));
    guard.defer(() => rmSync(dataDir, { recursive: true, force: true }));
  });

  async function start(failPolicy: 'fail_open' | 'fail_closed' = 'fail_open', webhook: Record<string, unknown> = {}): Promise<TestGateway> {
    return guard.gateway({
      config: {
        providers: MOCK_PROVIDER,
        hooks: {
          guard: { url: receiver.urlFor('/guard'), apikey: HOOK_KEY, timeout: '300ms', fail_policy: failPolicy },
          audit: { url: receiver.urlFor('/audit'), apikey: HOOK_KEY, timeout: '300ms' },
        },
        grants: grants(),
      },
      plugins: ['grants', ['webhook', { delivery: { retry_initial: '20ms', retry_max: '100ms', concurrency: 4, flush_timeout: '200ms' }, ...webhook }]],
      dataDir,
    });
  }

  async function inject(fault: Fault, path: string): Promise<void> {
    if (fault.down) await receiver.down();
    else receiver.reply(fault.reply as HookReply, path);
  }

  async function heal(path: string): Promise<void> {
    await receiver.up();
    receiver.reply(path === '/guard' ? hookReply.allow() : hookReply.ok(), path);
  }

  function stats(gw: TestGateway, hook: string): HookStats {
    const s = webhookStats(gw.gateway)?.[hook];
    assert.ok(s, `stats of ${hook}`);
    return s;
  }

  /** Distinct delivery ids received on `path`. */
  function deliveryIds(path: string): Set<string> {
    return new Set(receiver.deliveriesTo(path).map((d) => String(d.headers['webhook-id'])));
  }

  for (const fault of FAULTS) {
    for (const policy of ['fail_open', 'fail_closed'] as const) {
      it(`pre_request receiver ${fault.name}, ${policy}: ${policy === 'fail_open' ? 'the request goes through' : '503 in each format’s envelope'}; then it serves again`, async () => {
        const gw = await start(policy);
        await inject(fault, '/guard');
        for (const format of FORMATS) {
          const { path, body } = toolRequest(format, false);
          const answer = await post(gw.url, path, body);
          if (policy === 'fail_open') assert.equal(answer.status, 200, `${format.name}: ${answer.text}`);
          else assertErrorEnvelope(format, answer, 503);
        }
        await heal('/guard');
        const { path, body } = toolRequest(CHAT, true);
        const ok = await post(gw.url, path, body);
        assert.equal(ok.status, 200, ok.text);
        assert.ok(ok.text.includes('delete_file'));
      });
    }

    it(`post-response receiver ${fault.name}: clients are not delayed or failed; once it recovers, every event arrives exactly once`, async () => {
      const gw = await start();
      await inject(fault, '/audit');
      const answers: Answer[] = [];
      for (const format of FORMATS) {
        for (const stream of [false, true]) {
          const { path, body } = toolRequest(format, stream);
          answers.push(await post(gw.url, path, body));
        }
      }
      assert.deepEqual(answers.map((a) => a.status), answers.map(() => 200));
      // Eight requests with a tool call: entire_request and tool_call_entire_request each.
      const expected = answers.length * 2;
      await heal('/audit');
      await receiver.waitFor(() => deliveryIds('/audit').size >= expected, 10_000);
      await gw.exchange(answers.length);
      const s = stats(gw, 'audit');
      assert.equal(deliveryIds('/audit').size, expected, 'no event lost, none invented');
      assert.equal(s.failed, 0);
      assert.equal(s.dropped, 0);
      if (fault.reply?.kind !== 'respond' || fault.reply.status !== 200) assert.ok(s.retried > 0, 'the fault was met and retried');
      for (const d of receiver.deliveriesTo('/audit')) {
        assert.equal(d.headers.authorization, `Bearer ${HOOK_KEY}`);
        assert.equal((d.body as { metadata?: { url?: string } } | undefined)?.metadata?.url !== undefined, true, 'a complete HookCallData payload');
      }
    });
  }

  it('closing while the receiver hangs ends within flush_timeout, and the next gateway on the data directory delivers the backlog once', async () => {
    let gw = await start();
    receiver.reply(hookReply.hang(), '/audit');
    const n = 3;
    for (let i = 0; i < n; i++) assert.equal((await post(gw.url, '/v1/chat/completions', toolRequest(CHAT, false).body)).status, 200);
    await gw.exchange(n);
    await gw.gateway.close();
    receiver.reply(hookReply.ok(), '/audit');
    gw = await start();
    await receiver.waitFor(() => deliveryIds('/audit').size >= n * 2, 10_000);
    assert.equal(deliveryIds('/audit').size, n * 2);
    assert.equal((await post(gw.url, '/v1/chat/completions', toolRequest(CHAT, false).body)).status, 200);
  });
});
