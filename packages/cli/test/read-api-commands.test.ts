import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAGE_GUARDRAIL, type TollgatePlugin, deny } from '@tollgate/core';
import capture, { captureOf } from '@tollgate/plugin-capture';
import grants from '@tollgate/plugin-grants';
import { type TestGateway, runProcess, startTestGateway } from '@tollgate/testing';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tollgate.js');
const ADMIN = 'tg-cli-admin-key-9090';
const USER = 'tg-cli-user-key-8080';

/** Blocks calls whose arguments mention "rm -rf", strips those that mention "secret". */
const policy: TollgatePlugin = {
  name: 'no-rm-rf',
  apply(host) {
    host.hooks.onToolCall.tap({ name: 'no-rm-rf', stage: STAGE_GUARDRAIL }, ({ call }) => {
      const args = JSON.stringify(call.params);
      if (args.includes('rm -rf')) return deny('rm -rf is not allowed', { action: 'block' });
      if (args.includes('secret')) return deny('no secrets', { action: 'strip' });
      return undefined;
    });
  },
};

describe('tollgate requests and tollgate tool-use', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const cli = (...args: string[]) => runProcess(process.execPath, [BIN, ...args], { env: { TOLLGATE_API_KEY: undefined } });

  before(async () => {
    gw = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
        identity: { api_keys: { [ADMIN]: 'admin@example.com', [USER]: 'dev@example.com' }, loopback: false },
        grants: [
          { src: ['admin@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }, { models: '**' }] } },
          { src: ['dev@example.com'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**' }] } },
        ],
      },
      plugins: [grants, capture, policy],
      recordExchanges: false,
    });
    for (const text of ['list the files in /tmp', 'run rm -rf /home', 'cat the secret file']) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${USER}`, 'x-session-id': 'cli-session' },
        body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: text }], tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }] }),
      });
      await res.text();
    }
    assert.equal(await captureOf(gw.gateway)?.flush(), true);
  });
  after(() => gw?.close());

  it('lists requests as a table, with who called, the model and what was decided', async () => {
    const run = await cli('requests', '--url', gw.url, '--api-key', ADMIN);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^TIME \(UTC\)\s+USER\s+MODEL\s+FORMAT\s+STATUS/);
    assert.equal(lines.length, 4);
    assert.ok(lines.slice(1).every((l) => l.includes('dev@example.com') && l.includes('mock-1') && l.includes('cli-session')));
    assert.ok(lines.some((l) => /1 blocked/.test(l) && /\b403\b/.test(l)));
    assert.ok(lines.some((l) => /1 stripped/.test(l)));
    assert.ok(lines.some((l) => /1 allowed/.test(l)));
    const blocked = await cli('requests', '--url', gw.url, '--api-key', ADMIN, '--decision', 'block', '--json');
    const body = JSON.parse(blocked.stdout) as { requests: { id: string; status: number }[] };
    assert.deepEqual(body.requests.map((r) => r.status), [403]);
    const csv = await cli('requests', '--url', gw.url, '--api-key', USER, '--csv', '--all');
    assert.equal(csv.stdout.trim().split('\r\n').length, 4, csv.stdout);
  });

  it('shows one request with its tool calls, decisions and reasons', async () => {
    const list = JSON.parse((await cli('requests', '--url', gw.url, '--api-key', USER, '--decision', 'block', '--json')).stdout) as { requests: { id: string }[] };
    const id = list.requests[0]?.id as string;
    const run = await cli('requests', id, '--url', gw.url, '--api-key', USER);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`request ${id}`));
    assert.match(run.stdout, /bash\s+block\s+no-rm-rf\s+rm -rf is not allowed\s+\{"command":"run rm -rf \/home"\}/);
  });

  it('counts tool use by tool and by user', async () => {
    const run = await cli('tool-use', '--url', gw.url, '--api-key', ADMIN);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^TOOL\s+CALLS\s+ALLOWED\s+BLOCKED\s+STRIPPED/);
    assert.match(run.stdout, /\nbash\s+3\s+1\s+1\s+1\n/);
    const byUser = await cli('tool-use', '--by', 'user', '--url', gw.url, '--api-key', ADMIN);
    assert.match(byUser.stdout, /dev@example\.com\s+3\s+1\s+1\s+1/);
    assert.equal((await cli('tool-use', '--by', 'month', '--url', gw.url)).code, 2);
  });

  it('shows the capture store status to admins, and says what is wrong otherwise', async () => {
    const status = await cli('requests', 'status', '--url', gw.url, '--api-key', ADMIN);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /capture store sqlite /);
    assert.match(status.stdout, /written\s+3\n/);
    assert.match(status.stdout, /dropped\s+0\n/);
    const noKey = await cli('requests', '--url', gw.url);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /401 .*--api-key or TOLLGATE_API_KEY/);
    const down = await cli('requests', '--url', 'http://127.0.0.1:9');
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });

  it('finds the gateway from the config\'s listen section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    try {
      const config = join(dir, 'tollgate.jsonc');
      writeFileSync(config, `{ "providers": {}, "listen": { "host": "127.0.0.1", "port": ${new URL(gw.url).port} } }`);
      const run = await runProcess(process.execPath, [BIN, 'tool-use', '--config', config], { env: { TOLLGATE_API_KEY: USER } });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /bash\s+3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
