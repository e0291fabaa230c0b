import assert from 'node:assert/strict';
import { ConfigError, type Decision, type PluginInput } from '@tollgate/core';
import { type FakeOso, type PluginHarness, createPluginHarness, startFakeOso } from '@tollgate/testing';
import { DENIED_CODE, type OsoCheckClient, type OsoPluginDeps, UNAVAILABLE_CODE, defineOsoPlugin, osoDecisions } from '@tollgate/plugin-oso';
import { ALICE, BOB, allowTool, enforceAt } from './helpers.js';

const CONFIG = {
  providers: { mock: { baseurl: 'mock://', models: ['mock-1'], compatibility: { openai_chat: true, anthropic_messages: true } } },
  groups: { 'group:agents': [BOB] },
};

const TOOLS_BODY = {
  model: 'mock-1',
  messages: [{ role: 'user', content: 'hi' }],
  tools: ['get_weather', 'delete_file', 'run_sql'].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } })),
  tool_choice: { type: 'function', function: { name: 'delete_file' } },
};

describe('OsoPlugin through hooks', () => {
  let oso: FakeOso;
  let h: PluginHarness | undefined;
  let now = 1_000_000;
  const deps: OsoPluginDeps = { now: () => now };

  const harness = async (options: Record<string, unknown>, extra: { plugins?: PluginInput[]; deps?: OsoPluginDeps; config?: Record<string, unknown> } = {}) => {
    h = await createPluginHarness({ config: { ...CONFIG, ...extra.config }, plugins: [...(extra.plugins ?? []), [defineOsoPlugin(extra.deps ?? deps), options]] });
    return h;
  };

  before(async () => {
    oso = await startFakeOso({ policy: [allowTool(ALICE, 'get_weather'), allowTool(ALICE, 'run_sql')] });
  });
  after(async () => oso.close());
  beforeEach(() => {
    oso.reset();
    oso.setPolicy([allowTool(ALICE, 'get_weather'), allowTool(ALICE, 'run_sql')]);
    oso.slow(0);
    oso.hang(false);
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    if (!oso.isUp) await oso.up();
  });

  describe('as a default plugin without options', () => {
    it('taps nothing and registers no secret', async () => {
      const hh = await harness({});
      for (const hook of ['onRequest', 'onToolCall', 'onResponse', 'ready', 'close'] as const) assert.equal(hh.hooks[hook].isUsed(), false, hook);
      assert.equal(await hh.onToolCall(hh.request(), { name: 'delete_file' }), undefined);
      assert.equal(oso.calls.length, 0);
    });
  });

  describe('enforce', () => {
    it('allows a tool call the policy allows and records who decided, with the actor, resource and latency', async () => {
      const hh = await harness({ enforce: enforceAt(oso) });
      const ctx = hh.request();
      assert.equal(await hh.onToolCall(ctx, { name: 'get_weather', id: 'call_1', params: { city: 'Paris' } }), undefined);
      const [d] = osoDecisions(ctx);
      assert.equal(d?.allowed, true);
      assert.equal(d?.subject, 'tool:get_weather');
      assert.equal(d?.plugin, 'oso');
      assert.equal(typeof d?.durationMs, 'number');
      assert.deepEqual(d?.data, { actor: `User:${ALICE}`, action: 'call', resource: 'Tool:get_weather', source: 'oso', call_id: 'call_1', context_facts: 0 });
      const body = oso.callsTo('authorize')[0]?.body;
      assert.deepEqual(body, { actor_type: 'User', actor_id: ALICE, action: 'call', resource_type: 'Tool', resource_id: 'get_weather', context_facts: [] });
      assert.equal(oso.callsTo('authorize')[0]?.headers.authorization, `Bearer ${oso.apiKey}`);
    });

    it('denies a call the policy does not allow: block by default, strip when configured, with a clear message', async () => {
      const hh = await harness({ enforce: enforceAt(oso) });
      const denial = await hh.onToolCall(hh.request(), { name: 'delete_file' });
      assert.equal(denial?.action, 'block');
      assert.equal(denial?.status, 403);
      assert.equal(denial?.code, DENIED_CODE);
      assert.equal(denial?.by, 'oso');
      assert.equal(denial?.message, `tool call "delete_file" denied by Oso policy: User:${ALICE} may not "call" Tool:delete_file`);
      await h?.close();
      const strip = await harness({ enforce: enforceAt(oso, { on_deny: 'strip' }) });
      assert.equal((await strip.onToolCall(strip.request(), { name: 'delete_file' }))?.action, 'strip');
    });

    it('uses the configured actor mapping, action and resource type', async () => {
      oso.setPolicy([{ actor_type: 'Device', actor_id: 'tag:ci', action: 'invoke', resource_type: 'Function', resource_id: 'deploy' }]);
      const hh = await harness({ enforce: enforceAt(oso, { actor: { tagged_type: 'Device' }, action: 'invoke', resource_type: 'Function' }) });
      const ci = hh.user('tag:ci', { tags: ['tag:ci'] });
      assert.equal(await hh.onToolCall(hh.request({ identity: ci }), { name: 'deploy' }), undefined);
      assert.notEqual(await hh.onToolCall(hh.request(), { name: 'deploy' }), undefined, 'alice (a User) is not allowed');
      assert.deepEqual(
        oso.callsTo('authorize').map((c) => [c.body.actor_type, c.body.actor_id, c.body.action, c.body.resource_type]),
        [
          ['Device', 'tag:ci', 'invoke', 'Function'],
          ['User', ALICE, 'invoke', 'Function'],
        ],
      );
    });

    it('denies without asking Oso when the caller has no id for the actor mapping', async () => {
      const hh = await harness({ enforce: enforceAt(oso, { actor: { id: 'stable_node_id' } }) });
      const ctx = hh.request();
      const denial = await hh.onToolCall(ctx, { name: 'get_weather' });
      assert.equal(denial?.status, 403);
      assert.equal(oso.count('authorize'), 0);
      assert.equal(osoDecisions(ctx)[0]?.data?.source, 'no_actor');
    });

    it('sends context facts built from the call, and the policy can depend on them', async () => {
      oso.setPolicy([allowTool(ALICE, 'run_sql', { when: { predicate: 'has_param', args: [{ type: 'Tool', id: 'run_sql' }, { type: 'String', id: 'database' }, { type: 'String', id: 'analytics' }] } })]);
      const hh = await harness({
        enforce: enforceAt(oso, {
          context_facts: [
            { predicate: 'uses_model', args: ['{resource}', '{model}'] },
            { predicate: 'uses_provider', args: ['{resource}', '{provider}'] },
            { predicate: 'has_param', args: ['{resource}', 'database', '{param.database}'] },
            { predicate: 'row_limit', args: ['{resource}', '{param.limit}'] },
          ],
        }),
      });
      assert.equal(await hh.onToolCall(hh.request(), { name: 'run_sql', params: { database: 'analytics', limit: 5 } }), undefined);
      assert.notEqual(await hh.onToolCall(hh.request(), { name: 'run_sql', params: { database: 'billing', limit: 5 } }), undefined);
      assert.deepEqual(oso.callsTo('authorize')[0]?.body.context_facts, [
        { predicate: 'uses_model', args: [{ type: 'Tool', id: 'run_sql' }, { type: 'String', id: 'mock-1' }] },
        { predicate: 'uses_provider', args: [{ type: 'Tool', id: 'run_sql' }, { type: 'String', id: 'mock' }] },
        { predicate: 'has_param', args: [{ type: 'Tool', id: 'run_sql' }, { type: 'String', id: 'database' }, { type: 'String', id: 'analytics' }] },
        { predicate: 'row_limit', args: [{ type: 'Tool', id: 'run_sql' }, { type: 'Integer', id: '5' }] },
      ]);
    });

    it('respects max_context_facts, so Oso never refuses a check for too many facts', async () => {
      const hh = await harness({ enforce: enforceAt(oso, { max_context_facts: 20, context_facts: [{ predicate: 'reads', args: ['{resource}', '{param.tables}'] }] }) });
      const ctx = hh.request();
      const tables = Array.from({ length: 25 }, (_, i) => `t${i}`);
      assert.equal(await hh.onToolCall(ctx, { name: 'run_sql', params: { tables } }), undefined);
      assert.equal(oso.callsTo('authorize')[0]?.body.context_facts.length, 20);
      assert.equal(osoDecisions(ctx)[0]?.data?.context_facts_dropped, 5);
      assert.ok(hh.logs.withMessage('Oso context facts over max_context_facts were left out').length > 0);
    });

    it('only checks the callers enforce.users matches (groups from the config)', async () => {
      const hh = await harness({ enforce: enforceAt(oso, { users: ['group:agents'] }) });
      const aliceCtx = hh.request();
      assert.equal(await hh.onToolCall(aliceCtx, { name: 'delete_file' }), undefined, 'alice is not in group:agents: unchecked');
      assert.equal(osoDecisions(aliceCtx).length, 0);
      assert.notEqual(await hh.onToolCall(hh.request({ identity: hh.user(BOB) }), { name: 'delete_file' }), undefined);
      assert.equal(oso.count('authorize'), 1);
    });

    describe('cache', () => {
      it('asks Oso once per (actor, tool) within the TTL, allows and denies alike, then again', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { cache_ttl: '30s' }) });
        for (let i = 0; i < 5; i++) {
          assert.equal(await hh.onToolCall(hh.request(), { name: 'get_weather' }), undefined);
          assert.notEqual(await hh.onToolCall(hh.request(), { name: 'delete_file' }), undefined);
          assert.notEqual(await hh.onToolCall(hh.request({ identity: hh.user(BOB) }), { name: 'get_weather' }), undefined);
        }
        assert.equal(oso.count('authorize'), 3);
        const ctx = hh.request();
        await hh.onToolCall(ctx, { name: 'get_weather' });
        assert.equal(osoDecisions(ctx)[0]?.data?.source, 'cache');
        assert.match(String(osoDecisions(ctx)[0]?.reason), /allowed by Oso policy \(cache\)/);
        now += 30_000;
        await hh.onToolCall(hh.request(), { name: 'get_weather' });
        assert.equal(oso.count('authorize'), 4);
      });

      it('keys the cache on the context facts too', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { context_facts: [{ predicate: 'p', args: ['{resource}', '{param.city}'] }] }) });
        await hh.onToolCall(hh.request(), { name: 'get_weather', params: { city: 'Paris' } });
        await hh.onToolCall(hh.request(), { name: 'get_weather', params: { city: 'Paris' } });
        await hh.onToolCall(hh.request(), { name: 'get_weather', params: { city: 'Rome' } });
        assert.equal(oso.count('authorize'), 2);
      });

      it('shares one in-flight check between concurrent calls of the same (actor, tool)', async () => {
        oso.slow(50);
        const hh = await harness({ enforce: enforceAt(oso) });
        const ctxs = Array.from({ length: 6 }, () => hh.request());
        const denials = await Promise.all(ctxs.map((c) => hh.onToolCall(c, { name: 'get_weather' })));
        assert.deepEqual(denials, Array(6).fill(undefined));
        assert.equal(oso.count('authorize'), 1);
        assert.deepEqual(ctxs.map((c) => osoDecisions(c)[0]?.data?.source).sort(), ['oso', 'shared', 'shared', 'shared', 'shared', 'shared']);
      });

      it('with cache_ttl 0 asks every time', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { cache_ttl: '0' }) });
        await hh.onToolCall(hh.request(), { name: 'get_weather' });
        await hh.onToolCall(hh.request(), { name: 'get_weather' });
        assert.equal(oso.count('authorize'), 2);
      });
    });

    describe('when Oso cannot answer', () => {
      it('fail_closed (the default) denies with 503, fail_open allows; both record why; failures are not cached', async () => {
        await oso.down();
        const closed = await harness({ enforce: enforceAt(oso, { retries: 1 }) });
        const ctx = closed.request();
        const denial = await closed.onToolCall(ctx, { name: 'get_weather' });
        assert.equal(denial?.status, 503);
        assert.equal(denial?.code, UNAVAILABLE_CODE);
        assert.match(denial?.message ?? '', /^tool call "get_weather" could not be authorized: Oso is unavailable \(unreachable \(ECONNREFUSED\)\)$/);
        const d = osoDecisions(ctx)[0] as Decision;
        assert.equal(d.allowed, false);
        assert.equal(d.data?.source, 'fail_closed');
        assert.equal(d.data?.failure, 'unavailable');
        assert.ok(closed.logs.withMessage('Oso Cloud check failed; applying fail_closed').length === 1);
        await h?.close();

        const open = await harness({ enforce: enforceAt(oso, { fail_policy: 'fail_open' }) });
        const ctx2 = open.request();
        assert.equal(await open.onToolCall(ctx2, { name: 'delete_file' }), undefined);
        assert.equal(osoDecisions(ctx2)[0]?.data?.source, 'fail_open');
        assert.equal(osoDecisions(ctx2)[0]?.allowed, true);

        await oso.up();
        assert.notEqual(await open.onToolCall(open.request(), { name: 'delete_file' }), undefined, 'the policy applies again once Oso answers');
        assert.equal(open.logs.withMessage('Oso Cloud answers again').length, 1);
      });

      it('retries a 5xx within the timeout (the SDK client, bounded)', async () => {
        oso.failNext(503, 1);
        const hh = await harness({ enforce: enforceAt(oso) });
        assert.equal(await hh.onToolCall(hh.request(), { name: 'get_weather' }), undefined);
        assert.deepEqual(
          oso.callsTo('authorize').map((c) => c.status),
          [503, 200],
        );
      });

      it('does not retry a refused key and says so', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { apiKey: 'wrong-key-123' }) });
        const ctx = hh.request();
        const denial = await hh.onToolCall(ctx, { name: 'get_weather' });
        assert.match(denial?.message ?? '', /Oso refused the check \(answered 401: Invalid API key\)/);
        assert.equal(oso.count('authorize'), 1);
        assert.equal(osoDecisions(ctx)[0]?.data?.failure, 'rejected');
      });

      it('a hanging Oso: the check ends at the timeout (no more attempts than the retries allow)', async () => {
        oso.hang(true);
        const hh = await harness({ enforce: enforceAt(oso, { timeout: '300ms', retries: 2 }) });
        const ctx = hh.request();
        const denial = await hh.onToolCall(ctx, { name: 'get_weather' });
        assert.match(denial?.message ?? '', /did not answer in time/);
        assert.equal(osoDecisions(ctx)[0]?.data?.failure, 'timeout');
        assert.equal(oso.count('authorize'), 1, 'a timed-out attempt is not retried past the deadline');
        await h?.close();
        h = undefined;
        await eventuallyZero(() => oso.inFlight);
      });

      it('a client that never settles cannot hold a concurrency slot past the timeout', async () => {
        let calls = 0;
        const never: OsoCheckClient = { authorize: () => (calls++, new Promise(() => undefined)), list: () => new Promise(() => undefined) };
        const hh = await harness({ enforce: enforceAt(oso, { timeout: '100ms', max_concurrency: 1 }) }, { deps: { createClient: () => never } });
        for (const tool of ['a', 'b', 'c']) {
          const denial = await hh.onToolCall(hh.request(), { name: tool });
          assert.match(denial?.message ?? '', /did not answer in time/);
        }
        assert.equal(calls, 3, 'each check got the slot in turn');
      });

      it('keeps at most max_concurrency checks in flight at Oso', async () => {
        oso.slow(30);
        const hh = await harness({ enforce: enforceAt(oso, { max_concurrency: 2, timeout: '5s' }) });
        const tools = Array.from({ length: 8 }, (_, i) => `tool_${i}`);
        await Promise.all(tools.map((name) => hh.onToolCall(hh.request(), { name })));
        assert.equal(oso.count('authorize'), 8);
        assert.equal(oso.peakInFlight, 2);
      });
    });

    describe('filter_tools', () => {
      it('authorize: keeps only the declared tools the caller may call (tool_choice of a removed tool dropped) and seeds the call cache', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { filter_tools: true }) });
        const ctx = hh.request({ body: TOOLS_BODY });
        assert.equal(await hh.onRequest(ctx), undefined);
        assert.deepEqual(
          ctx.tools.map((t) => t.name),
          ['get_weather', 'run_sql'],
        );
        assert.equal(ctx.body.tool_choice, undefined);
        const d = osoDecisions(ctx)[0];
        assert.equal(d?.subject, 'tools');
        assert.equal(d?.allowed, false);
        assert.deepEqual(d?.data?.removed, ['delete_file']);
        assert.deepEqual(d?.data?.kept, ['get_weather', 'run_sql']);
        assert.equal(oso.count('authorize'), 3);
        assert.equal(await hh.onToolCall(ctx, { name: 'get_weather' }), undefined);
        assert.equal(oso.count('authorize'), 3, 'the call reused the filter decision');
      });

      it('list: one list call per caller answers for every tool and seeds the call decisions', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { filter_tools: true, filter_method: 'list' }) });
        const ctx = hh.request({ body: TOOLS_BODY });
        await hh.onRequest(ctx);
        assert.deepEqual(
          ctx.tools.map((t) => t.name),
          ['get_weather', 'run_sql'],
        );
        await hh.onRequest(hh.request({ body: TOOLS_BODY }));
        assert.equal(oso.count('list'), 1);
        assert.deepEqual(oso.callsTo('list')[0]?.body, { actor_type: 'User', actor_id: ALICE, action: 'call', resource_type: 'Tool', context_facts: [], page_size: 10000 });
        assert.notEqual(await hh.onToolCall(ctx, { name: 'delete_file' }), undefined);
        assert.equal(await hh.onToolCall(ctx, { name: 'run_sql' }), undefined);
        assert.equal(oso.count('authorize'), 0);
      });

      it('Oso down: fail_closed removes every tool, fail_open keeps them all', async () => {
        await oso.down();
        const closed = await harness({ enforce: enforceAt(oso, { filter_tools: true, retries: 0 }) });
        const ctx = closed.request({ body: TOOLS_BODY });
        await closed.onRequest(ctx);
        assert.deepEqual(ctx.tools, []);
        assert.equal(ctx.body.tools, undefined);
        assert.match(String(osoDecisions(ctx)[0]?.reason), /fail_closed: 3 of 3 tools removed/);
        await h?.close();
        const open = await harness({ enforce: enforceAt(oso, { filter_tools: true, fail_policy: 'fail_open', filter_method: 'list', retries: 0 }) });
        const ctx2 = open.request({ body: TOOLS_BODY });
        await open.onRequest(ctx2);
        assert.equal(ctx2.tools.length, 3);
        assert.match(String(osoDecisions(ctx2)[0]?.reason), /fail_open: every tool kept/);
      });

      it('leaves requests without tools alone', async () => {
        const hh = await harness({ enforce: enforceAt(oso, { filter_tools: true }) });
        const ctx = hh.request();
        await hh.onRequest(ctx);
        assert.equal(ctx.bodyChanged, false);
        assert.equal(oso.calls.length, 0);
      });
    });
  });

  describe('configuration', () => {
    const failure = async (options: Record<string, unknown>, plugins: PluginInput[] = []) => {
      try {
        await harness(options, { plugins });
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.issues;
      }
      assert.fail('expected a configuration error');
    };

    it('needs an enforcement key, a positive timeout and known placeholders', async () => {
      const issues = await failure({ enforce: { url: oso.url, timeout: '0s', context_facts: [{ predicate: 'p', args: ['{nope}'] }] } });
      assert.deepEqual(
        issues.filter((i) => i.severity === 'error').map((i) => i.path),
        ['plugins.oso/enforce/apiKey', 'plugins.oso/enforce/timeout', 'plugins.oso/enforce/context_facts/0'],
      );
      assert.ok(issues.every((i) => i.severity !== 'error' || i.code === 'TG_ERR_PLUGIN_CONFIG'));
    });

    it('rejects unknown options (a typo must not silently disable a control)', async () => {
      const issues = await failure({ enforce: { url: oso.url, apiKey: 'k-123456', fail_polcy: 'fail_open' } });
      assert.ok(issues.some((i) => i.severity === 'error' && i.path.startsWith('plugins.oso')));
    });

    it('telemetry needs the webhook plugin', async () => {
      const issues = await failure({ apiKey: 'k-123456' });
      assert.deepEqual(
        issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.code]),
        [['plugins.oso', 'TG_ERR_PLUGIN_DEPENDENCY']],
      );
    });

    it('the enforcement key defaults to apiKey, and keys are registered as secrets', async () => {
      const hh = await harness({ apiKey: oso.apiKey, telemetry: false, enforce: { url: oso.url } });
      const ctx = hh.request();
      ctx.log.info({ leaked: `key is ${oso.apiKey}` }, 'test line');
      assert.equal(await hh.onToolCall(ctx, { name: 'get_weather' }), undefined);
      assert.ok(!hh.logs.text.includes(oso.apiKey));
    });
  });
});

async function eventuallyZero(read: () => number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (read() !== 0) {
    if (Date.now() > deadline) throw new Error('still in flight');
    await new Promise((r) => setTimeout(r, 10));
  }
}
