// Runs the quickstart the way its README says, from the repository root: `tollgate hooks receive`
// in one process, `tollgate start --config examples/quickstart/tollgate.jsonc` in another (both on
// free ports: the config is copied with the receiver's port instead of 8788, and started with
// --port 0 and a temporary --data-dir), then the README's curl request.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, runProcess, startProcess } from '@tollgate/testing';
import OpenAI from 'openai';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EXAMPLE, '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'tollgate.js');
const CONFIG = readFileSync(join(EXAMPLE, 'tollgate.jsonc'), 'utf8');
const README = readFileSync(join(EXAMPLE, 'README.md'), 'utf8');
const HOOK_URL = 'http://127.0.0.1:8788/hook';

/** The JSON body of the README's curl command (`-d '...'`). */
function readmeCurlBody(): Record<string, unknown> {
  const curl = /```sh\n(curl -s http:\/\/127\.0\.0\.1:8080\/v1\/chat\/completions[\s\S]*?)```/.exec(README)?.[1];
  assert.ok(curl !== undefined, 'README has the curl command');
  const body = /-d '([\s\S]*?)'/.exec(curl)?.[1];
  assert.ok(body !== undefined, 'the curl command has a -d body');
  return JSON.parse(body) as Record<string, unknown>;
}

describe('quickstart example', () => {
  let work: string;
  const procs: ProcessHandle[] = [];
  const tollgate = (...args: string[]): ProcessHandle => {
    const p = startProcess(process.execPath, [BIN, ...args], { cwd: ROOT, env: { NO_COLOR: '1' } });
    procs.push(p);
    return p;
  };
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-quickstart-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a tool call through the gateway reaches the local hook receiver, which prints the payload', async () => {
    assert.match(README, /npx tollgate hooks receive\n/);
    assert.match(README, /npx tollgate start --config examples\/quickstart\/tollgate\.jsonc\n/);
    assert.ok(CONFIG.includes(`"url": "${HOOK_URL}"`), 'the config points the oso hook at the receiver\'s default address');

    const receiver = tollgate('hooks', 'receive', '--port', '0');
    const receiverUrl = (await receiver.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
    const config = join(work, 'tollgate.jsonc');
    writeFileSync(config, CONFIG.replace(HOOK_URL, `${receiverUrl}/hook`));

    const gateway = tollgate('start', '--config', config, '--port', '0', '--data-dir', join(work, 'data'));
    const url = (await gateway.waitFor(/tollgate listening on (http:\/\/\S+)/))[1] as string;
    assert.doesNotMatch(gateway.stdout, /"level":[45]0/, 'no warnings or errors at start-up');

    // The README's curl request.
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(readmeCurlBody()) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
    assert.equal(body.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(body.choices[0]?.message.tool_calls[0]?.function.name, 'bash');
    assert.deepEqual(JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? ''), { command: 'use bash to list the files in /tmp' });

    await receiver.waitFor(/tool call\s+bash \{"command":"use bash to list the files in \/tmp"\}/, 'stdout');
    assert.match(receiver.stdout, /tool_call_entire_request \/hook {2}msg_[0-9a-f]{32}/);
    assert.match(receiver.stdout, /login\s+\(loopback\)/);
    assert.match(receiver.stdout, /model\s+mock-1 \(provider mock\)/);
    assert.match(receiver.stdout, /user\s+"use bash to list the files in \/tmp"/);
    assert.match(receiver.stdout, /also\s+request_body \(\d+ B\), response_body \(\d+ B\)/);

    // The README's SDK snippet, with the same outcome (a second delivery).
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'mock-1',
      messages: [{ role: 'user', content: 'use bash to list the files in /tmp' }],
      tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
    });
    assert.equal(completion.choices[0]?.message.tool_calls?.length, 1);
    await receiver.waitFor(/(tool_call_entire_request[\s\S]*){2}/, 'stdout');

    // `tollgate hooks status` on the gateway's data directory: nothing pending, the gateway running.
    const status = await runProcess(process.execPath, [BIN, 'hooks', 'status', '--data-dir', join(work, 'data')]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /process \d+ on .*: running/);
    assert.doesNotMatch(status.stdout, /^oso\s+[1-9]/m, 'no event left pending');
  });

  it('the commented OpenAI and Anthropic providers are valid once uncommented', async () => {
    const start = CONFIG.indexOf('    // "openai": {');
    const end = CONFIG.indexOf('\n  },', start);
    assert.ok(start > 0 && end > start);
    const uncommented = CONFIG.slice(0, start) + CONFIG.slice(start, end).replace(/^ {4}\/\/ /gm, '    ') + CONFIG.slice(end);
    writeFileSync(join(work, 'real.jsonc'), uncommented);
    const check = await runProcess(process.execPath, [BIN, 'check-config', join(work, 'real.jsonc')], { env: { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-test' } });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /ok \(7 plugins: grants, webhook, oso, capture, quotas, metrics, dashboard; 0 warnings\)/);
    const missing = await runProcess(process.execPath, [BIN, 'check-config', join(work, 'real.jsonc')], { env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined } });
    assert.equal(missing.code, 1, 'without the keys, the env: references are errors');
    assert.match(missing.stderr, /OPENAI_API_KEY/);
  });
});
