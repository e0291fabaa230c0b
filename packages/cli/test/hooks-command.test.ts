import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import grants from '@tollgate/plugin-grants';
import webhook, { readWebhookSpool } from '@tollgate/plugin-webhook';
import { type ProcessHandle, type TestGateway, runProcess, startFakeHookReceiver, startProcess, startTestGateway } from '@tollgate/testing';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tollgate.js');

const payload = {
  metadata: { login_name: 'alice@example.com', user_agent: 'test', url: '/v1/chat/completions', model: 'mock-1', provider: 'mock', tailnet_name: '', stable_node_id: '', request_id: 'req-7', session_id: 'sess-7' },
  user_message: 'run rm -rf /tmp/x',
  tool_calls: [{ name: 'bash', params: { command: 'run rm -rf /tmp/x' } }],
};

const post = (url: string, body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('tollgate hooks', () => {
  const procs: ProcessHandle[] = [];
  const receive = async (...args: string[]): Promise<{ proc: ProcessHandle; url: string }> => {
    const proc = startProcess(process.execPath, [BIN, 'hooks', 'receive', '--port', '0', ...args]);
    procs.push(proc);
    const url = (await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
    return { proc, url };
  };
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
  });

  it('receive pretty-prints each delivery and answers 200 {"action":"allow"}, so it also serves pre_request', async () => {
    const { proc, url } = await receive();
    const res = await post(`${url}/hook`, JSON.stringify(payload), { 'x-tollgate-event': 'tool_call_entire_request', 'webhook-id': 'msg_abc' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { action: 'allow' });
    await proc.waitFor(/tool call\s+bash \{"command":"run rm -rf \/tmp\/x"\}/, 'stdout');
    assert.match(proc.stdout, /tool_call_entire_request \/hook {2}msg_abc/);
    assert.match(proc.stdout, /login\s+alice@example\.com/);
    assert.match(proc.stdout, /session\s+sess-7/);

    assert.equal((await post(`${url}/other`, 'plain text')).status, 200);
    await proc.waitFor(/POST \/other\n\s+body\s+plain text/, 'stdout');
    assert.equal((await fetch(url)).status, 405);

    const exit = await proc.stop('SIGTERM');
    assert.equal(exit.code, 0);
  });

  it('receive --json prints each body as one JSON line', async () => {
    const { proc, url } = await receive('--json');
    await post(`${url}/hook`, JSON.stringify(payload, null, 2));
    await post(`${url}/hook`, 'not json');
    await proc.waitFor(/\{"raw":"not json"\}\n/, 'stdout');
    const lines = proc.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [payload, { raw: 'not json' }]);
  });

  it('status shows the events a gateway spooled for a receiver that is down, and the gateway process', async () => {
    const receiver = await startFakeHookReceiver();
    await receiver.down();
    let tg: TestGateway | undefined;
    try {
      tg = await startTestGateway({
        config: {
          providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
          hooks: { audit: { url: receiver.urlFor('/hook') } },
          grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }, { send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['user_message'] }] }] } }],
        },
        plugins: [grants, [webhook, { delivery: { flush_timeout: '100ms' } }]],
      });
      const res = await post(`${tg.url}/v1/chat/completions`, JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }));
      assert.equal(res.status, 200);
      for (let i = 0; i < 200 && (await readWebhookSpool(tg.dataDir)).hooks[0]?.pendingEvents !== 1; i++) await new Promise((r) => setTimeout(r, 25));

      const text = await runProcess(process.execPath, [BIN, 'hooks', 'status', '--data-dir', tg.dataDir]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^audit\s+1\s+\d+s ago\s+1\s/m);
      assert.match(text.stdout, new RegExp(`process ${process.pid} on .*: running`));

      const json = await runProcess(process.execPath, [BIN, 'hooks', 'status', '--json'], { env: { TOLLGATE_DATA_DIR: tg.dataDir } });
      const parsed = JSON.parse(json.stdout) as { dataDir: string; hooks: Array<{ name: string; pendingEvents: number }> };
      assert.equal(parsed.dataDir, tg.dataDir);
      assert.deepEqual(parsed.hooks.map((h) => [h.name, h.pendingEvents]), [['audit', 1]]);

      // --config: the data directory is the config's data_dir (an env: reference resolved).
      const config = join(tg.dataDir, 'gateway.jsonc');
      writeFileSync(config, '{ "data_dir": "env:SPOOL_HOME", "providers": {} }');
      const viaConfig = await runProcess(process.execPath, [BIN, 'hooks', 'status', '--config', config, '--json'], { env: { SPOOL_HOME: tg.dataDir, TOLLGATE_DATA_DIR: undefined } });
      assert.equal(viaConfig.code, 0, viaConfig.stderr);
      assert.equal((JSON.parse(viaConfig.stdout) as { dataDir: string }).dataDir, tg.dataDir);
    } finally {
      await tg?.close();
      await receiver.close();
    }
  });

  it('without a known sub-command prints the usage and exits 2', async () => {
    const [none, unknown, port] = await Promise.all([
      runProcess(process.execPath, [BIN, 'hooks']),
      runProcess(process.execPath, [BIN, 'hooks', 'send']),
      runProcess(process.execPath, [BIN, 'hooks', 'receive', '--port', 'x']),
    ]);
    assert.deepEqual([none.code, unknown.code, port.code], [2, 2, 2]);
    assert.match(none.stderr, /Usage: tollgate hooks <receive \| status>/);
    assert.match(unknown.stderr, /unknown sub-command "send"/);
    assert.match(port.stderr, /invalid --port "x"/);
  });
});
