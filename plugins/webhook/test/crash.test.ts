import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeHookReceiver, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { request } from 'undici';
import { type SpoolProcessStatus, readWebhookSpool } from '@tollgate/plugin-webhook';
import { eventually, post } from './helpers.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/cli/bin/tollgate.js');

interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs `tollgate start` as a real process and resolves once it listens. */
async function startProcess(config: string, dataDir: string, extra: readonly string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', config, '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let url: string | undefined;
  await eventually(() => {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
    if (child.exitCode !== null) throw new Error(`gateway exited early: ${err}`);
    return url !== undefined;
  }, 'gateway to listen', 15_000);
  return { child, url: url as string, exited, stderr: () => err };
}

describe('webhook spool across a crash', function () {
  this.timeout(60_000);
  let receiver: FakeHookReceiver;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-crash-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes the gateway's config: the mock LLM, the real grants plugin, one `audit` hook on every request. */
  function writeConfig(delivery: Record<string, unknown> = {}): string {
    const config = join(dir, 'tollgate.json');
    writeFileSync(
      config,
      JSON.stringify({
        providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
        plugins: ['grants', ['webhook', { delivery: { retry_initial: '20ms', retry_max: '100ms', ...delivery } }]],
        logging: { level: 'warn', access_log: false },
        hooks: { audit: { url: receiver.urlFor('/audit') } },
        grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }, { send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['user_message'] }] }] } }],
      }),
    );
    return config;
  }

  const requestIdOf = (d: { body: unknown }): string => (d.body as { metadata: { request_id: string } }).metadata.request_id;

  it('delivers the backlog of a gateway killed with SIGKILL after it restarts, each event at least once and in order (concurrency 1)', async () => {
    const config = writeConfig({ concurrency: 1 });
    const data = join(dir, 'data');
    receiver.reply(hookReply.delay(150, hookReply.ok()));

    const first = await startProcess(config, data);
    children.push(first.child);
    const requestIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await post(`${first.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content: `event ${i}` }] });
      assert.equal(res.status, 200, first.stderr());
      requestIds.push(String(res.headers.get('x-request-id')));
    }
    await receiver.waitFor(3, 15_000);
    await eventually(async () => ((await readWebhookSpool(data)).hooks[0]?.pendingEvents ?? 0) >= 10, 'a backlog on disk');
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    const left = await readWebhookSpool(data);
    const pending = left.hooks.find((h) => h.name === 'audit')?.pendingEvents ?? 0;
    assert.ok(pending >= 10, `pending after the kill: ${pending}`);
    assert.equal(left.processes.length, 1);
    assert.equal(left.processes[0]?.alive, false);

    receiver.reply(hookReply.ok());
    const second = await startProcess(config, data);
    children.push(second.child);
    await receiver.waitFor((ds) => new Set(ds.map(requestIdOf)).size === 20, 20_000);

    const deliveries = receiver.deliveriesTo('/audit');
    const firstArrivals = [...new Map(deliveries.map((d) => [(d.body as { metadata: { request_id: string } }).metadata.request_id, d] as const)).keys()];
    assert.deepEqual(firstArrivals, requestIds, 'every event arrived, in order');
    // With concurrency 1, at most two events are sent twice, with the same id: the one in flight
    // when the process died, and the one before it if its acknowledgement had not reached the disk.
    assert.ok(deliveries.length <= 22, `${deliveries.length} deliveries`);
    const idsByRequest = new Map<string, Set<string>>();
    for (const d of deliveries) {
      const rid = (d.body as { metadata: { request_id: string } }).metadata.request_id;
      idsByRequest.set(rid, (idsByRequest.get(rid) ?? new Set()).add(String(d.headers['webhook-id'])));
    }
    for (const set of idsByRequest.values()) assert.equal(set.size, 1);

    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0, second.stderr());
    const after = await readWebhookSpool(data);
    assert.equal(after.hooks.find((h) => h.name === 'audit')?.pendingEvents, 0);
    assert.equal(after.hooks.find((h) => h.name === 'audit')?.segments, 0);
    assert.deepEqual(after.processes, []);
  });

  it('SIGKILL mid-load: every event of an exchange the gateway answered before its next answer to that client is delivered after the restart (the spool promise)', async () => {
    const config = writeConfig({ concurrency: 2 });
    const data = join(dir, 'data');
    // A slow receiver, two deliveries at a time: at the kill, most events wait on disk, some are in
    // flight, some delivered.
    receiver.reply(hookReply.delay(100, hookReply.ok()));
    const first = await startProcess(config, data);
    children.push(first.child);

    // Four clients, each sending one request after another until the gateway dies.
    const answered: string[][] = [[], [], [], []];
    let total = 0;
    let killed = false;
    const clients = answered.map(async (ids, c) => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await post(`${first.url}/v1/chat/completions`, { model: 'mock-1', messages: [{ role: 'user', content: `client ${c} event ${i}` }] });
          if (res.status === 200) ids.push(String(res.headers.get('x-request-id')));
          total++;
        } catch {
          return; // the gateway was killed while this request was in flight
        }
      }
    });
    await eventually(() => total >= 80, 'load');
    first.child.kill('SIGKILL');
    killed = true;
    assert.equal((await first.exited).signal, 'SIGKILL');
    await Promise.all(clients);

    // The promise: an event is in the kernel at the end of the event-loop turn its exchange ended
    // in; the gateway reads a client's next request only in a later turn. So every exchange that
    // was followed by another answer to the same client survives; only each client's last may not.
    const promised = answered.flatMap((ids) => ids.slice(0, -1));
    assert.ok(promised.length >= 70, `${promised.length} events promised`);

    receiver.reply(hookReply.ok());
    const second = await startProcess(config, data);
    children.push(second.child);
    await receiver.waitFor((ds) => promised.every((id) => ds.some((d) => requestIdOf(d) === id)), 20_000);
    await eventually(async () => (await readWebhookSpool(data)).hooks.find((h) => h.name === 'audit')?.pendingEvents === 0, 'spool drained');

    const deliveries = receiver.deliveriesTo('/audit');
    const delivered = new Set(deliveries.map(requestIdOf));
    for (const id of promised) assert.ok(delivered.has(id), `event of ${id} lost`);
    // Sent twice at most: the deliveries in flight at the kill and those answered in its last
    // turn (each at most `concurrency`, 2 here); always with the same webhook-id.
    assert.ok(deliveries.length - delivered.size <= 4, `${deliveries.length - delivered.size} duplicates`);
    const idsByRequest = new Map<string, Set<string>>();
    for (const d of deliveries) idsByRequest.set(requestIdOf(d), (idsByRequest.get(requestIdOf(d)) ?? new Set()).add(String(d.headers['webhook-id'])));
    for (const set of idsByRequest.values()) assert.equal(set.size, 1);

    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0, second.stderr());
  });

  it('with --workers 2, a worker killed with SIGKILL leaves nothing behind: a sibling or its replacement delivers its events, once each', async () => {
    const config = writeConfig();
    const data = join(dir, 'data');
    await receiver.down();
    const cluster = await startProcess(config, data, ['--workers', '2']);
    children.push(cluster.child);
    const requestIds = new Set<string>();
    for (let i = 0; i < 24; i++) {
      // A new connection per request, so that the cluster spreads them over both workers.
      const res = await request(`${cluster.url}/v1/chat/completions`, { method: 'POST', reset: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: `event ${i}` }] }) });
      await res.body.dump();
      assert.equal(res.statusCode, 200, cluster.stderr());
      requestIds.add(String(res.headers['x-request-id']));
    }
    await eventually(async () => ((await readWebhookSpool(data)).hooks[0]?.pendingEvents ?? 0) === 24, 'all events spooled');
    // Status files are rewritten every 5 s; wait until both show their queues.
    let workers: SpoolProcessStatus[] = [];
    await eventually(async () => {
      workers = (await readWebhookSpool(data)).processes.filter((p) => p.alive);
      return workers.length === 2 && workers.reduce((n, w) => n + (w.hooks.audit?.queueDepth ?? 0), 0) === 24;
    }, 'both workers reporting', 15_000);
    const victim = workers.find((w) => (w.hooks.audit?.queueDepth ?? 0) > 0)!;
    assert.ok(workers.every((w) => (w.hooks.audit?.queueDepth ?? 0) > 0), `both workers hold events: ${workers.map((w) => w.hooks.audit?.queueDepth).join(', ')}`);
    process.kill(victim.pid, 'SIGKILL');
    await eventually(async () => (await readWebhookSpool(data)).processes.some((p) => p.alive && p.pid !== victim.pid && !workers.some((w) => w.pid === p.pid)), 'a replacement worker', 20_000);
    await receiver.up();
    await receiver.waitFor((ds) => new Set(ds.map(requestIdOf)).size === 24, 20_000);
    await eventually(async () => (await readWebhookSpool(data)).hooks[0]?.pendingEvents === 0, 'spool drained');
    const delivered = receiver.deliveriesTo('/audit').map(requestIdOf);
    assert.deepEqual(new Set(delivered), requestIds);
    assert.equal(delivered.length, 24, 'nothing was in flight at the kill: every event exactly once');
    cluster.child.kill('SIGTERM');
    assert.equal((await cluster.exited).code, 0, cluster.stderr());
  });
});
