import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeUpstream, type TestGateway, type TestGatewayOptions, startFakeUpstream, startTestGateway } from '@tollgate/testing';

/** Counts of `process.getActiveResourcesInfo()` by resource type (only what keeps the loop alive). */
export type ResourceCounts = Map<string, number>;

/** The resources keeping the event loop alive right now, counted by type. */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = new Map();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What `now` holds beyond `baseline` (`TCPSocketWrap +2`), empty when nothing. */
export function resourceExcess(baseline: ResourceCounts, now: ResourceCounts): string[] {
  const out: string[] = [];
  for (const [type, n] of now) {
    const extra = n - (baseline.get(type) ?? 0);
    if (extra > 0) out.push(`${type} +${extra}`);
  }
  return out;
}

/**
 * Waits until no more resources are active than in `baseline`; throws naming the excess after
 * `graceMs`. Sockets and servers close a few ticks after `close()` resolves, so this polls rather
 * than asserting at once; a real leak is still there when the grace period ends.
 */
export async function expectNoLeakedResources(baseline: ResourceCounts, what: string, graceMs = 3000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let excess = resourceExcess(baseline, activeResources());
  while (excess.length > 0 && Date.now() < deadline) {
    await sleep(10);
    excess = resourceExcess(baseline, activeResources());
  }
  assert.deepEqual(excess, [], `${what}: leaked resources (sockets, servers or timers still keeping the process alive)`);
}

/** Resources of one test and the checks run after it. */
export interface Guard {
  /** Starts a fake upstream, closed after the test (before anything else). */
  upstream(...args: Parameters<typeof startFakeUpstream>): Promise<FakeUpstream>;
  /** Starts a test gateway, closed after the test; its server must then have no connection left. */
  gateway(options: TestGatewayOptions): Promise<TestGateway>;
  /** Registers a closer, run after the test (last registered, first run). */
  defer(closer: () => unknown): void;
  /** Unhandled rejections and uncaught exceptions seen during the current test. */
  readonly failures: readonly unknown[];
}

/**
 * Installs the reliability suite's checks on the enclosing `describe`: after each test it closes
 * the test's resources (fake upstreams first, so that a request left hanging fails at once), then
 * asserts that no socket, server or timer is left keeping the process alive compared with before
 * the test, and that no promise rejection went unhandled and no exception uncaught meanwhile.
 * Registered per `describe`, so it applies to this folder only (no root hook for the whole repo).
 */
export function useGuard(): Guard {
  const upstreams: FakeUpstream[] = [];
  const closers: Array<() => unknown> = [];
  const failures: unknown[] = [];
  let baseline: ResourceCounts = new Map();
  const onRejection = (reason: unknown): void => {
    if (!failures.includes(reason)) failures.push(reason);
  };
  const onException = (err: unknown): void => {
    if (!failures.includes(err)) failures.push(err);
  };

  before(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  after(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  beforeEach(async () => {
    failures.length = 0;
    // Mocha arms a hook's timeout timer once the hook's promise is returned: measure after that,
    // as the after-each check does, so that both counts include exactly one such timer.
    await new Promise((resolve) => setImmediate(resolve));
    baseline = activeResources();
  });
  afterEach(async function () {
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
    for (const c of closers.splice(0).reverse()) await c();
    await expectNoLeakedResources(baseline, this.currentTest?.fullTitle() ?? 'test');
    // A rejection is reported on a later tick than the one that left it unhandled.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      failures.map((f) => String((f as Error)?.stack ?? f)),
      [],
      'no unhandled rejection or uncaught exception during the test',
    );
  });

  return {
    async upstream(...args) {
      const u = await startFakeUpstream(...args);
      upstreams.push(u);
      return u;
    },
    async gateway(options) {
      const gw = await startTestGateway(options);
      closers.push(async () => {
        const server = gw.gateway.server;
        await gw.close();
        if (server !== undefined) {
          const open = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
          assert.equal(open, 0, 'the gateway closed every client connection');
        }
      });
      return gw;
    },
    defer(closer) {
      closers.push(closer);
    },
    failures,
  };
}
