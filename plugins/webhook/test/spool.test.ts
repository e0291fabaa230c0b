import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { readWebhookSpool, webhookStats } from '@tollgate/plugin-webhook';
import { HookSpool } from '../src/spool/hook-spool.js';
import { processIdentity } from '../src/spool/process-identity.js';
import { ownerGoneCheck, spoolRoot } from '../src/spool/process-registry.js';
import { decodeRecords, encodeRecord } from '../src/spool/record-codec.js';
import { Segment } from '../src/spool/segment.js';
import { hookDirName, ownerFilePath } from '../src/spool/spool-layout.js';
import { caps, chat, eventually, startHookGateway, wiring } from './helpers.js';

const NOW = Date.now();
const meta = (i: number) => ({ id: `msg_${i}`, event: 'entire_request' as const, ts: NOW + i });
const body = (i: number) => Buffer.from(JSON.stringify({ metadata: { request_id: `r${i}` }, text: 'tab\there, newline\nhere, \u2028' }));

/** A pid that certainly does not run: a child that already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

/** Writes another process's status file as that process would. */
function writeOwner(root: string, host: string, pid: number, boot = processIdentity().boot): string {
  const path = ownerFilePath(root, host, pid);
  mkdirSync(join(root, 'owners'), { recursive: true });
  writeFileSync(path, JSON.stringify({ pid, hostname: 'h', host, boot, startedAt: 1, updatedAt: Date.now(), hooks: {} }));
  return path;
}

const noop = (): void => undefined;

describe('webhook spool', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'tollgate-spool-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('record format', () => {
    it('round-trips records with their exact body bytes', () => {
      const data = Buffer.concat([0, 1, 2].map((i) => encodeRecord(meta(i), body(i))));
      const decoded = decodeRecords(data);
      assert.equal(decoded.corrupt, 0);
      assert.equal(decoded.torn, false);
      assert.deepEqual(decoded.records.map((r) => r.meta), [meta(0), meta(1), meta(2)]);
      decoded.records.forEach((r, i) => assert.deepEqual(r.body, body(i)));
      assert.equal(decoded.records[1]?.offset, decoded.records[0]?.length);
    });

    it('skips a damaged line and ignores a torn last line, keeping every other record', () => {
      const lines = [0, 1, 2].map((i) => encodeRecord(meta(i), body(i)));
      const damaged = Buffer.from(lines[1]!);
      damaged[30] = damaged[30] === 0x41 ? 0x42 : 0x41;
      const torn = encodeRecord(meta(3), body(3)).subarray(0, 25);
      const decoded = decodeRecords(Buffer.concat([lines[0]!, damaged, lines[2]!, torn]));
      assert.deepEqual(decoded.records.map((r) => r.meta.id), ['msg_0', 'msg_2']);
      assert.equal(decoded.corrupt, 1);
      assert.equal(decoded.torn, true);
    });
  });

  describe('segments', () => {
    it('lets exactly one of several claimers take a segment', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'base-1@aaaaaaaa-1-dead.log'), encodeRecord(meta(0), body(0)));
      const claims = await Promise.all(['aaaaaaaa-2-x1', 'aaaaaaaa-2-x2', 'aaaaaaaa-2-x3'].map((owner) => Segment.claim(dir, 'base-1@aaaaaaaa-1-dead.log', owner, { syncEveryWrite: false, onError: noop })));
      assert.equal(claims.filter((c) => c !== undefined).length, 1);
      const winner = claims.find((c) => c !== undefined)!;
      assert.equal(winner.records.length, 1);
      assert.deepEqual(readdirSync(dir), [`base-1@${winner.segment.path.split('@')[1]}`]);
    });

    it('appends, acknowledges, rolls segments and deletes fully acknowledged ones', async () => {
      const root = tempDir();
      const spool = new HookSpool(root, 'audit', 'aaaaaaaa-1-me', { segmentBytes: 400, maxBytes: 2000, syncEveryWrite: false, onError: noop, onDamage: noop });
      await spool.open();
      const refs = [0, 1, 2, 3].map((i) => spool.append(meta(i), body(i))!);
      assert.ok(refs.every((r) => r !== undefined));
      assert.ok(spool.segments.size >= 2, 'rolled');
      assert.deepEqual(await spool.readBody(refs[2]!), body(2));
      assert.equal(spool.append(meta(9), Buffer.alloc(2000, 0x61)), undefined, 'over the cap');
      const firstSegment = refs[0]!.segment;
      for (const r of refs.filter((x) => x.segment === firstSegment)) spool.ack(r);
      await eventually(() => !existsSync(firstSegment.path), 'first segment deleted');
      assert.ok(!existsSync(firstSegment.ackPath));
      await spool.close(true);
      const left = readdirSync(join(root, hookDirName('audit'))).filter((f) => f.endsWith('.log'));
      assert.equal(left.length, new Set(refs.filter((r) => r.segment !== firstSegment).map((r) => r.segment)).size);
      const status = await readWebhookSpool(root, '.');
      assert.equal(status.hooks[0]?.name, 'audit');
      assert.equal(status.hooks[0]?.pendingEvents, refs.filter((x) => x.segment !== firstSegment).length);
    });

    it('with a write delay, never writes a record acknowledged in time and writes the others after the delay', async () => {
      const dir = tempDir();
      const segment = Segment.create(dir, 'base-2', 'aaaaaaaa-1-me', { syncEveryWrite: false, onError: noop, writeDelayMs: 30 });
      const early = segment.append(encodeRecord(meta(0), body(0)), 0);
      assert.equal(segment.ack(early), false, 'dropped, not acknowledged on disk');
      assert.equal(segment.size, 0);
      // The delay passes with nothing left to write; a later record must still be written.
      await new Promise((r) => setTimeout(r, 60));
      assert.ok(!existsSync(segment.path), 'nothing was written');
      const line = encodeRecord(meta(1), body(1));
      const late = segment.append(line, line.length - body(1).length - 1);
      assert.deepEqual(await segment.readBody(late), body(1), 'readable from memory before its write');
      await eventually(() => late.state === 'written', 'the second record is written after the delay');
      assert.equal(readFileSync(segment.path).length, line.length);
      assert.deepEqual(await segment.readBody(late), body(1), 'read back from the file');
      assert.equal(segment.ack(late), true);
      await segment.close(false);
      assert.deepEqual(readFileSync(segment.ackPath, 'latin1'), '0\n');
      assert.deepEqual(decodeRecords(readFileSync(segment.path)).records.map((r) => r.meta), [meta(1)]);
    });

    it('writes records still waiting for their delay when the segment is closed', async () => {
      const dir = tempDir();
      const segment = Segment.create(dir, 'base-3', 'aaaaaaaa-1-me', { syncEveryWrite: false, onError: noop, writeDelayMs: 60_000 });
      for (const i of [0, 1, 2]) segment.append(encodeRecord(meta(i), body(i)), 0);
      await segment.close(true);
      assert.deepEqual(decodeRecords(readFileSync(segment.path)).records.map((r) => r.meta), [meta(0), meta(1), meta(2)]);
    });

    it('records an ack that comes after close, and none after the segment was removed', async () => {
      const dir = tempDir();
      const segment = Segment.create(dir, 'base-4', 'aaaaaaaa-1-me', { syncEveryWrite: false, onError: noop });
      const lines = [0, 1].map((i) => encodeRecord(meta(i), body(i)));
      const [a, b] = lines.map((l) => segment.append(l, 0));
      await segment.close(false);
      assert.equal(segment.ack(a!), true);
      await eventually(() => existsSync(segment.ackPath) && readFileSync(segment.ackPath, 'latin1') === '0\n', 'the late ack on disk');
      await segment.remove();
      assert.ok(!existsSync(segment.path) && !existsSync(segment.ackPath));
      segment.ack(b!);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(!existsSync(segment.ackPath), 'a removed segment gets no new ack file');
    });

    it('names the spool directory of an unusual hook name safely and keeps the name', async () => {
      const root = tempDir();
      const spool = new HookSpool(root, '../evil name/ü', 'aaaaaaaa-1-me', { segmentBytes: 4096, maxBytes: 8192, syncEveryWrite: false, onError: noop, onDamage: noop });
      await spool.open();
      spool.append(meta(0), body(0));
      await spool.close(true);
      assert.equal(readdirSync(join(root, 'hooks')).length, 1);
      assert.ok(!existsSync(join(root, 'evil name')));
      assert.equal((await readWebhookSpool(root, '.')).hooks[0]?.name, '../evil name/ü');
    });
  });

  describe('owners', () => {
    const me = processIdentity();

    it('treats another process as gone when its status file is missing, stale, from another boot, or its pid is dead', async () => {
      const root = tempDir();
      const gone = ownerGoneCheck(root);
      assert.equal(await gone(`${me.host}-${process.ppid}-abcd`), true, 'no status file: shut down');

      writeOwner(root, me.host, process.ppid);
      assert.equal(await ownerGoneCheck(root)(`${me.host}-${process.ppid}-abcd`), false, 'alive parent process');

      const dead = deadPid();
      const deadFile = writeOwner(root, me.host, dead);
      assert.equal(await ownerGoneCheck(root)(`${me.host}-${dead}-abcd`), true, 'dead pid');
      assert.ok(!existsSync(deadFile), 'the status file of a dead process is removed');

      if (me.boot !== '') {
        writeOwner(root, me.host, process.ppid, 'another-boot');
        assert.equal(await ownerGoneCheck(root)(`${me.host}-${process.ppid}-abcd`), true, 'other boot');
      }

      const stale = writeOwner(root, 'ffffffff', 42);
      assert.equal(await ownerGoneCheck(root)('ffffffff-42-abcd'), false, 'other host, fresh');
      const old = (Date.now() - 120_000) / 1000;
      utimesSync(stale, old, old);
      assert.equal(await ownerGoneCheck(root)('ffffffff-42-abcd'), true, 'other host, stale');
    });

    it('treats an instance of this process as alive only while it is registered', async () => {
      const root = tempDir();
      const member = { ownerTag: `${me.host}-${me.pid}-feed`, persistent: false, gauges: () => new Map(), claimSoon: noop };
      const r = spoolRoot(root);
      await r.join(member);
      assert.equal(await ownerGoneCheck(root)(member.ownerTag), false);
      assert.equal(await ownerGoneCheck(root)(`${me.host}-${me.pid}-beef`), true);
      await r.leave(member);
      assert.equal(await ownerGoneCheck(root)(member.ownerTag), true);
    });
  });

  describe('recovery by a gateway', () => {
    let receiver: FakeHookReceiver;
    let gw: TestGateway | undefined;
    beforeEach(async () => {
      receiver = await startFakeHookReceiver();
      receiver.reply(hookReply.ok());
    });
    afterEach(async () => {
      await gw?.close();
      gw = undefined;
      await receiver.close();
    });

    const start = async (dataDir: string): Promise<TestGateway> =>
      startHookGateway({ hooks: { audit: { url: receiver.urlFor('/audit') } }, caps: caps([wiring('audit', ['entire_request'])]), dataDir, webhook: { delivery: { retry_initial: '20ms', retry_max: '50ms' } } });

    /** Writes a segment as a dead gateway would have left it: records 0..n-1, the first `acked` acknowledged, then a torn line. */
    function leaveSegment(dataDir: string, owner: string, n: number, acked: number): void {
      const dir = join(dataDir, 'webhook', hookDirName('audit'));
      mkdirSync(dir, { recursive: true });
      const lines = Array.from({ length: n }, (_, i) => encodeRecord(meta(i), body(i)));
      const file = join(dir, `000000000000001-000001-${owner}@${owner}.log`);
      writeFileSync(file, Buffer.concat(lines));
      appendFileSync(file, encodeRecord(meta(99), body(99)).subarray(0, 40));
      let offset = 0;
      const acks: string[] = [];
      lines.forEach((l, i) => {
        if (i < acked) acks.push(`${offset}\n`);
        offset += l.length;
      });
      writeFileSync(join(dir, `000000000000001-000001-${owner}.ack`), `${acks.join('')}12`);
    }

    it('delivers what a dead process left, skipping acknowledged records and a torn last line', async () => {
      const dataDir = tempDir();
      const dead = deadPid();
      const owner = `${me().host}-${dead}-0dead`;
      writeOwner(join(dataDir, 'webhook'), me().host, dead);
      leaveSegment(dataDir, owner, 5, 2);
      gw = await start(dataDir);
      await receiver.waitFor(3);
      await eventually(() => webhookStats(gw!.gateway)?.audit?.sent === 3, 'sent 3');
      const got = [...receiver.deliveries].sort((a, b) => String(a.headers['webhook-id']).localeCompare(String(b.headers['webhook-id'])));
      assert.deepEqual(got.map((d) => d.headers['webhook-id']), ['msg_2', 'msg_3', 'msg_4']);
      assert.deepEqual(got.map((d) => d.raw), [body(2), body(3), body(4)]);
      assert.equal(gw.logs.withMessage('hook spool segment had damaged records; they were skipped')[0]?.torn, true);
      await eventually(async () => (await readWebhookSpool(dataDir)).hooks[0]?.segments === 0, 'segment deleted');
    });

    it('removes ack files left without their segment by a process that is gone, and only those', async () => {
      const dataDir = tempDir();
      const dir = join(dataDir, 'webhook', hookDirName('audit'));
      mkdirSync(dir, { recursive: true });
      const dead = `${me().host}-${deadPid()}-0dead`;
      const alive = `${me().host}-${process.ppid}-a11e`;
      writeOwner(join(dataDir, 'webhook'), me().host, process.ppid);
      writeFileSync(join(dir, `000000000000001-000001-${dead}.ack`), '0\n');
      writeFileSync(join(dir, `000000000000001-000002-${alive}.ack`), '0\n');
      gw = await start(dataDir);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ack')), [`000000000000001-000002-${alive}.ack`]);
    });

    it('leaves the segments of a live process alone', async () => {
      const dataDir = tempDir();
      const owner = `${me().host}-${process.ppid}-a11e`;
      writeOwner(join(dataDir, 'webhook'), me().host, process.ppid);
      leaveSegment(dataDir, owner, 3, 0);
      gw = await start(dataDir);
      await chat(gw);
      await receiver.waitFor(1);
      await eventually(() => webhookStats(gw!.gateway)?.audit?.sent === 1, 'sent');
      assert.equal(receiver.deliveries.length, 1);
      assert.notEqual(receiver.deliveries[0]?.headers['webhook-id'], 'msg_0');
      const files = readdirSync(join(dataDir, 'webhook', hookDirName('audit')));
      assert.ok(files.includes(`000000000000001-000001-${owner}@${owner}.log`));
    });

    it('warns about spooled events of a hook that is no longer configured, and keeps them', async () => {
      const dataDir = tempDir();
      const dir = join(dataDir, 'webhook', hookDirName('old-hook'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'hook.json'), JSON.stringify({ name: 'old-hook' }));
      writeFileSync(join(dir, '000000000000001-000001-x@aaaaaaaa-1-x.log'), encodeRecord(meta(0), body(0)));
      gw = await start(dataDir);
      const warning = gw.logs.lines.find((l) => String(l.msg).includes('holds undelivered events for hook "old-hook"'));
      assert.ok(warning);
      assert.equal(readFileSync(join(dir, '000000000000001-000001-x@aaaaaaaa-1-x.log')).length > 0, true);
    });
  });
});

function me(): ReturnType<typeof processIdentity> {
  return processIdentity();
}
