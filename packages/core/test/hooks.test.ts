import assert from 'node:assert/strict';
import {
  type Exchange,
  HOOK_NAMES,
  PluginHookError,
  type RequestContext,
  STAGE_AUTHENTICATE,
  STAGE_AUTHORIZE,
  STAGE_DEFAULT,
  STAGE_FALLBACK,
  STAGE_GUARDRAIL,
  STAGE_OBSERVE,
  type ToolCallContext,
  TollgateError,
  createGateway,
  createHooks,
  createIdentity,
  createLogger,
} from '@tollgate/core';
import { decideToolCall, interceptTaps } from '@tollgate/core/internal';
import { LogCapture } from '@tollgate/testing';

function setup() {
  const logs = new LogCapture();
  const hooks = createHooks();
  const stats = interceptTaps(hooks, createLogger({ destination: logs.stream }));
  return { hooks, logs, stats };
}

const fakeRequest = { id: 'r1', log: createLogger({ destination: new LogCapture().stream }) } as unknown as RequestContext;
const identifyInput = { requestId: 'r1', remoteAddress: '10.0.0.1', remotePort: 1, isLoopback: false, headers: {}, credential: undefined };

describe('hooks', () => {
  it('has every hook, named', () => {
    const hooks = createHooks();
    assert.deepEqual(Object.keys(hooks).sort(), [...HOOK_NAMES].sort());
    for (const name of HOOK_NAMES) assert.equal((hooks[name] as unknown as { name: string }).name, name);
  });

  it('an intercepted hook counts as used only once something taps it', () => {
    const { hooks } = setup();
    for (const name of HOOK_NAMES) assert.equal(hooks[name].isUsed(), false, name);
    hooks.onToolCall.tap('policy', () => undefined);
    assert.equal(hooks.onToolCall.isUsed(), true);
    assert.equal(hooks.onResponse.isUsed(), false);
  });

  it('orders taps by named stage, then by tap order within a stage', async () => {
    assert.ok(STAGE_AUTHENTICATE < STAGE_AUTHORIZE && STAGE_AUTHORIZE < STAGE_GUARDRAIL && STAGE_GUARDRAIL < STAGE_DEFAULT && STAGE_DEFAULT < STAGE_OBSERVE && STAGE_OBSERVE < STAGE_FALLBACK);
    const { hooks } = setup();
    const order: string[] = [];
    const tap = (name: string, stage?: number) => hooks.onRequest.tap(stage === undefined ? name : { name, stage }, () => void order.push(name));
    tap('observe', STAGE_OBSERVE);
    tap('guardrail-1', STAGE_GUARDRAIL);
    tap('default');
    tap('authorize', STAGE_AUTHORIZE);
    tap('guardrail-2', STAGE_GUARDRAIL);
    tap('authenticate', STAGE_AUTHENTICATE);
    await hooks.onRequest.promise(fakeRequest);
    assert.deepEqual(order, ['authenticate', 'authorize', 'guardrail-1', 'guardrail-2', 'default', 'observe']);
  });

  it('a bail hook stops at the first tap that returns a value', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    hooks.identify.tap({ name: 'fallback', stage: STAGE_FALLBACK }, () => {
      ran.push('fallback');
      return createIdentity({ login: '(loopback)', resolver: 'fallback' });
    });
    hooks.identify.tapPromise({ name: 'keys', stage: STAGE_AUTHENTICATE }, async () => {
      ran.push('keys');
      return createIdentity({ login: 'alice@example.com', resolver: 'keys' });
    });
    const identity = await hooks.identify.promise(identifyInput);
    assert.equal(identity?.login, 'alice@example.com');
    assert.deepEqual(ran, ['keys']);
  });

  for (const kind of ['sync', 'promise', 'async'] as const) {
    it(`wraps a failing ${kind} tap's error with the plugin and hook name`, async () => {
      const { hooks, stats } = setup();
      const boom = new Error('boom');
      if (kind === 'sync') {
        hooks.onRequest.tap('grants', () => {
          throw boom;
        });
      } else if (kind === 'promise') {
        hooks.onRequest.tapPromise('grants', async () => {
          throw boom;
        });
      } else {
        hooks.onRequest.tapAsync('grants', (_ctx, cb) => cb(boom));
      }
      const later: string[] = [];
      hooks.onRequest.tap('later', () => void later.push('ran'));
      await assert.rejects(hooks.onRequest.promise(fakeRequest), (err: unknown) => {
        assert.ok(err instanceof PluginHookError);
        assert.ok(err instanceof TollgateError);
        assert.equal(err.code, 'TG_ERR_PLUGIN');
        assert.equal(err.statusCode, 500);
        assert.equal(err.plugin, 'grants');
        assert.equal(err.hook, 'onRequest');
        assert.equal(err.cause, boom);
        assert.match(err.message, /grants/);
        assert.match(err.message, /onRequest/);
        return true;
      });
      assert.deepEqual(later, [], 'a failing tap stops the chain');
      assert.deepEqual(
        { calls: stats.get('onRequest/grants')?.calls, errors: stats.get('onRequest/grants')?.errors },
        { calls: 1, errors: 1 },
      );
    });
  }

  it('does not wrap a PluginHookError twice', async () => {
    const { hooks } = setup();
    const inner = new PluginHookError('other', 'onToolCall', new Error('x'));
    hooks.onRequest.tap('outer', () => {
      throw inner;
    });
    await assert.rejects(hooks.onRequest.promise(fakeRequest), (err: unknown) => err === inner);
  });

  it('times every tap', async () => {
    const { hooks, stats } = setup();
    hooks.onRequest.tapPromise('slowish', async () => undefined);
    for (let i = 0; i < 3; i++) await hooks.onRequest.promise(fakeRequest);
    const s = stats.get('onRequest/slowish');
    assert.equal(s?.calls, 3);
    assert.equal(s?.errors, 0);
    assert.ok((s?.totalMs ?? -1) >= 0 && (s?.maxMs ?? -1) >= 0);
  });

  it('observers: errors are logged with plugin and hook, swallowed, and the other observers still run', async () => {
    const { hooks, logs } = setup();
    const seen: string[] = [];
    hooks.onResponse.tap('sync-thrower', () => {
      throw new Error('sync observer failure');
    });
    hooks.onResponse.tapPromise('async-thrower', async () => {
      throw new Error('async observer failure');
    });
    hooks.onResponse.tapAsync('callback-thrower', (_e, cb) => cb(new Error('callback observer failure')));
    hooks.onResponse.tap('recorder', (e) => void seen.push((e as { requestId: string }).requestId));
    await hooks.onResponse.promise({ requestId: 'r1' } as unknown as Exchange);
    assert.deepEqual(seen, ['r1']);
    const failures = logs.withMessage('observer failed');
    assert.deepEqual(failures.map((l) => [l.plugin, l.hook]).sort(), [
      ['async-thrower', 'onResponse'],
      ['callback-thrower', 'onResponse'],
      ['sync-thrower', 'onResponse'],
    ]);
    assert.ok(failures.every((l) => l.level === 50));
  });

  it('a Denial without `by` is attributed to the tap that returned it', async () => {
    const { hooks } = setup();
    hooks.onToolCall.tap('allow-all', () => undefined);
    hooks.onToolCall.tapPromise('policy', async () => ({ message: 'no shell', action: 'strip' as const }));
    const ctx = { request: fakeRequest, call: { id: 'c1', name: 'bash', params: {}, index: 0 }, streaming: false } satisfies ToolCallContext;
    assert.equal((await hooks.onToolCall.promise(ctx))?.by, 'policy');
    const decided = await decideToolCall(hooks, fakeRequest, ctx.call, false);
    assert.deepEqual([decided.outcome, decided.by, decided.message], ['stripped', 'policy', 'no shell']);
    hooks.onRequest.tap({ name: 'grants', stage: STAGE_AUTHORIZE }, () => ({ message: 'no', by: 'explicit' }));
    assert.equal((await hooks.onRequest.promise(fakeRequest))?.by, 'explicit');
  });

  it('a failing onToolCall tap blocks the call (fail closed) and names the plugin', async () => {
    const { hooks } = setup();
    hooks.onToolCall.tap('policy', () => {
      throw new Error('policy engine down');
    });
    const decided = await decideToolCall(hooks, fakeRequest, { id: 'c1', name: 'bash', params: {}, index: 0 }, true);
    assert.equal(decided.outcome, 'blocked');
    assert.equal(decided.by, 'policy');
    assert.equal(decided.denial?.status, 500);
  });
});

describe('errors', () => {
  it('TollgateError carries code, status and cause, and its brand survives a second copy of core', () => {
    const cause = new Error('root');
    const err = new TollgateError('TG_ERR_PLUGIN_NOT_FOUND', 'x', { cause, statusCode: 500 });
    assert.deepEqual([err.code, err.statusCode, err.cause], ['TG_ERR_PLUGIN_NOT_FOUND', 500, cause]);
    assert.ok(TollgateError.is(err, 'TG_ERR_PLUGIN_NOT_FOUND'));
    assert.ok(!TollgateError.is(err, 'TG_ERR_PLUGIN'));
    // An error made by another copy of core: a plain Error carrying the global brand.
    const foreign: unknown = Object.assign(new Error('other copy'), { code: 'TG_ERR_PLUGIN' });
    Object.defineProperty(foreign, Symbol.for('tollgate.error'), { value: true });
    assert.ok(foreign instanceof TollgateError);
    assert.ok(TollgateError.is(foreign, 'TG_ERR_PLUGIN'));
    assert.ok(!((new Error('plain') as unknown) instanceof TollgateError));
    assert.ok(!((err as unknown) instanceof PluginHookError));
  });
});

describe('Gateway hooks', () => {
  it('are frozen once the plugins are applied, and the interceptor is installed', async () => {
    const gateway = await createGateway({
      config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } },
      plugins: [{ name: 'tapper', apply: (host) => host.hooks.onRequest.tap('tapper', () => undefined) }],
      dataDir: '/tmp/tollgate-hooks-test',
      logDestination: new LogCapture().stream,
    });
    try {
      assert.ok(Object.isFrozen(gateway.hooks));
      const onRequest = gateway.hooks.onRequest;
      assert.equal(Reflect.set(gateway.hooks, 'onRequest', undefined), false);
      assert.equal(gateway.hooks.onRequest, onRequest);
      assert.ok(gateway.tapStats.has('onRequest/tapper'));
      assert.ok(gateway.tapStats.has('identify/loopback'));
    } finally {
      await gateway.close();
    }
  });
});
