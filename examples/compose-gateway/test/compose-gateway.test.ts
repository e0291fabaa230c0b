// Runs the program the way its README says (`npx tsx src/main.ts` in this directory, with PORT=0
// and HOOK_URL set), then talks to it with the official OpenAI SDK.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeHookReceiver, type ProcessHandle, hookReply, startFakeHookReceiver, startProcess } from '@tollgate/testing';
import OpenAI, { APIError } from 'openai';
import { runsRmRf } from '../src/no-rm-rf.js';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const BASH: OpenAI.Chat.ChatCompletionTool = { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };

describe('runsRmRf', () => {
  it('spots rm with recursive and force flags, however spelled', () => {
    for (const yes of ['rm -rf /', 'run rm -rf /tmp/x', 'rm -fr x', 'rm -Rf x', 'rm -r -f x', 'rm -rfv x', 'rm x -rf', 'rm --recursive --force x', 'cd / && sudo rm -rf *', 'ls; rm -rf x']) assert.ok(runsRmRf(yes), yes);
    for (const no of ['rm -r x', 'rm -f x', 'ls -rf', 'firm -rf x', 'echo rm', 'rm -r x; ls -f', 'git rm --cached -r x', 'rm -- -rf']) assert.ok(!runsRmRf(no), no);
  });
});

describe('compose-gateway example', () => {
  let receiver: FakeHookReceiver;
  let program: ProcessHandle | undefined;
  let dataDir: string;
  let client: OpenAI;

  before(async function () {
    this.timeout(60_000);
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-compose-'));
    program = startProcess(NPX, ['tsx', 'src/main.ts'], { cwd: EXAMPLE, env: { PORT: '0', HOOK_URL: receiver.urlFor('/hook'), TOLLGATE_DATA_DIR: dataDir, OSO_API_KEY: undefined } });
    const url = (await program.waitFor(/compose-gateway listening on (http:\/\/\S+) \(plugins: ([^)]*)\)/, 'stderr', { timeoutMs: 50_000 }))[1] as string;
    assert.match(program.stderr, /plugins: grants, webhook, oso, no-rm-rf\)/);
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  });
  after(async () => {
    // SIGTERM goes to the whole process group (npx, tsx, the program): the program drains and says so.
    const exit = await program?.stop('SIGTERM');
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    assert.match(exit?.stderr ?? '', /compose-gateway stopped/, program?.describe());
  });

  it('lets a safe bash call through, and the webhook plugin reports it to HOOK_URL', async () => {
    const completion = await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'list the files in /tmp' }], tools: [BASH] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'bash');
    assert.deepEqual(JSON.parse(call.function.arguments), { command: 'list the files in /tmp' });
    await receiver.waitFor((ds) => ds.some((d) => JSON.stringify(d.body).includes('list the files in /tmp')));
    const delivery = receiver.deliveries.find((d) => JSON.stringify(d.body).includes('list the files in /tmp'));
    assert.equal(delivery?.headers['x-tollgate-event'], 'tool_call_entire_request');
    assert.deepEqual((delivery?.body as { tool_calls: unknown }).tool_calls, [{ name: 'bash', params: { command: 'list the files in /tmp' }, decision: 'allow' }]);
  });

  it('denies a dangerous bash call with 403 in the OpenAI format', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'run rm -rf /tmp/x' }], tools: [BASH] }), (err: unknown) => {
      assert.ok(err instanceof APIError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'rm_rf_denied');
      assert.equal(err.message, '403 rm -rf is not allowed here');
      return true;
    });
    await program!.waitFor(/"plugin":"no-rm-rf".*"command":"run rm -rf \/tmp\/x".*"msg":"rm -rf denied"/, 'stdout');
  });

  it('ends a stream with an error event instead of the dangerous call', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'run rm -fr ~' }], tools: [BASH] });
    const calls: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) for (const c of chunk.choices[0]?.delta.tool_calls ?? []) calls.push(c.function?.name ?? '');
      })(),
      /rm -rf is not allowed here/,
    );
    assert.deepEqual(calls, []);
  });
});
