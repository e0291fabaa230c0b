import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type FakeHookReceiver, type ProcessHandle, hookReply, startFakeHookReceiver, startProcess } from '@tollgate/testing';
import { useGuard } from './support/guard.js';
import { post } from './support/http.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'tollgate.js');

/** Every file and folder under `root` (itself included), with its permission bits. */
function modes(root: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  const walk = (path: string): void => {
    const st = statSync(path);
    out.push({ path: path.slice(root.length) || '/', mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return out;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** A config whose one hook receives every exchange (so the spool holds prompts and answers). */
function hookConfig(receiverUrl: string): Record<string, unknown> {
  return {
    providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
    plugins: ['grants', ['webhook', { delivery: { retry_initial: '50ms', retry_max: '100ms' } }]],
    hooks: { audit: { url: receiverUrl } },
    grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }, { send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['user_message', 'response_body'] }] }] } }],
  };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('reliability: what tollgate writes is private (issue 21)', () => {
  const guard = useGuard();
  let receiver: FakeHookReceiver;
  let tmp: string;

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    guard.defer(() => receiver.close());
    tmp = mkdtempSync(join(tmpdir(), 'tollgate-modes-'));
    // The parent is as a user's home folder often is: open to others.
    chmodSync(tmp, 0o755);
    guard.defer(() => rmSync(tmp, { recursive: true, force: true }));
  });

  for (const umask of ['000', '022']) {
    it(`under umask ${umask}, the data directory, the spool and every file in them are owner-only (0700 folders, 0600 files)`, async () => {
      const dataDir = join(tmp, 'state', 'tollgate');
      const configFile = join(tmp, 'tollgate.json');
      writeFileSync(configFile, JSON.stringify(hookConfig(receiver.urlFor('/audit'))));
      // The first delivery fails, so the event is spooled, retried, then acknowledged (an ack file).
      receiver.replyNext([hookReply.status(500)], '/audit');
      receiver.reply(hookReply.ok());
      const cli: ProcessHandle = startProcess('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, BIN, 'start', '--config', configFile, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0']);
      guard.defer(() => cli.stop());
      const url = (await cli.waitFor(/tollgate listening on (http:\/\/[^\s]+)/))[1] as string;
      const answer = await post(url, '/v1/chat/completions', { model: 'mock-1', messages: [{ role: 'user', content: 'hello' }] });
      assert.equal(answer.status, 200, answer.text);
      await receiver.waitFor(2, 10_000);
      const hookDir = join(dataDir, 'webhook', 'hooks', 'audit');
      await eventually(() => readdirSync(hookDir).some((f) => f.endsWith('.ack')), 'the ack file');

      const found = modes(dataDir);
      const names = found.map((f) => f.path);
      for (const expected of ['/', '/webhook', '/webhook/hooks', '/webhook/hooks/audit', '/webhook/hooks/audit/hook.json', '/webhook/owners']) assert.ok(names.includes(expected), `${expected} exists (${names.join(', ')})`);
      assert.ok(names.some((n) => n.endsWith('.log')), 'a segment was written');
      assert.ok(names.some((n) => n.startsWith('/webhook/owners/') && n.endsWith('.json')), 'a process status file was written');
      const wrong = found.filter((f) => f.mode !== (f.dir ? 0o700 : 0o600)).map((f) => `${f.path} ${octal(f.mode)}`);
      assert.deepEqual(wrong, [], 'every folder 0700, every file 0600');
      // Only what tollgate created: the parent it was given stays as it was.
      assert.equal(statSync(tmp).mode & 0o777, 0o755);
      await cli.stop();
    });
  }

  it('at start-up, a spool left readable by others is set to owner-only and reported; a wide data directory is reported, not changed', async () => {
    const dataDir = join(tmp, 'data');
    const hookDir = join(dataDir, 'webhook', 'hooks', 'audit');
    mkdirSync(hookDir, { recursive: true, mode: 0o755 });
    mkdirSync(join(dataDir, 'webhook', 'owners'), { mode: 0o755 });
    for (const d of [dataDir, join(dataDir, 'webhook'), join(dataDir, 'webhook', 'hooks'), hookDir, join(dataDir, 'webhook', 'owners')]) chmodSync(d, 0o755);
    writeFileSync(join(hookDir, 'hook.json'), JSON.stringify({ name: 'audit' }), { mode: 0o644 });
    writeFileSync(join(hookDir, '000000000000001-000001-aaaaaaaa-1-x.ack'), '', { mode: 0o644 });
    chmodSync(join(hookDir, 'hook.json'), 0o644);
    chmodSync(join(hookDir, '000000000000001-000001-aaaaaaaa-1-x.ack'), 0o666);
    receiver.reply(hookReply.ok());
    const gw = await guard.gateway({ config: hookConfig(receiver.urlFor('/audit')), dataDir, plugins: ['grants', 'webhook'] });
    const spool = modes(join(dataDir, 'webhook'));
    assert.deepEqual(spool.filter((f) => f.mode !== (f.dir ? 0o700 : 0o600)).map((f) => `${f.path} ${octal(f.mode)}`), []);
    const tightened = gw.logs.withMessage('hook spool files were readable by other users; set to owner-only (0600 files, 0700 folders)');
    assert.equal(tightened.length, 1);
    assert.ok(Number(tightened[0]?.count) >= 6, JSON.stringify(tightened[0]));
    assert.equal(statSync(dataDir).mode & 0o777, 0o755, 'the data directory itself is the operator\'s: reported only');
    const reported = gw.logs.lines.find((l) => String(l.msg).startsWith('the data directory is open to other users (mode 0755)'));
    assert.ok(reported, 'the wide data directory is reported');
  });
});
