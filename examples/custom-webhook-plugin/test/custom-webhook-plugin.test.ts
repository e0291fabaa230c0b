// Runs the example the way its README says: `tollgate start --config examples/custom-webhook-plugin/tollgate.jsonc`
// from the repository root with SLACK_WEBHOOK_URL set (plus --port 0 and a temporary --data-dir),
// with a fake Slack incoming webhook on 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeHookReceiver, type ProcessHandle, startFakeHookReceiver, startProcess } from '@tollgate/testing';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EXAMPLE, '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'tollgate.js');
const CONFIG = join(EXAMPLE, 'tollgate.jsonc');
const SLACK_PATH = '/services/T0000/B0000/secretsecretsecret';

const BASH = { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };

interface AuditLine {
  ts: string;
  id: string;
  hook: string;
  event: string;
  attempt: number;
  payload: { metadata: { request_id: string; login_name: string }; user_message?: string; tool_calls?: Array<{ name: string; params: Record<string, unknown> }>; request_body?: unknown; response_body?: unknown };
}

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A file's text, or `""` when it was rotated away between listing and reading. */
function readIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Audit lines of every file in `dir`, oldest file first (`exchanges.2.jsonl`, `.1`, then the current one). */
function auditLines(dir: string): AuditLine[] {
  if (!existsSync(dir)) return [];
  const rank = (name: string) => (name === 'exchanges.jsonl' ? 0 : Number(/\.(\d+)\.jsonl$/.exec(name)?.[1] ?? 0));
  return readdirSync(dir)
    .sort((a, b) => rank(b) - rank(a))
    .flatMap((name) => readIfPresent(join(dir, name)).split('\n'))
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

describe('custom webhook plugins: Slack tool-call messages and a rotating JSONL audit file', () => {
  let slack: FakeHookReceiver;
  let work: string;
  let gateway: ProcessHandle | undefined;

  const start = async (config: string): Promise<string> => {
    gateway = startProcess(process.execPath, [BIN, 'start', '--config', config, '--port', '0', '--data-dir', join(work, 'data')], {
      cwd: ROOT,
      env: { SLACK_WEBHOOK_URL: slack.urlFor(SLACK_PATH) },
    });
    return (await gateway.waitFor(/tollgate listening on (http:\/\/\S+)/))[1] as string;
  };
  const ask = async (url: string, content: string, tools: unknown[] = []): Promise<string> => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content }], ...(tools.length > 0 ? { tools } : {}) }) });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    return res.headers.get('x-request-id') as string;
  };

  beforeEach(async () => {
    slack = await startFakeHookReceiver();
    slack.reply({ kind: 'respond', status: 200, body: 'ok' }); // what Slack answers
    work = mkdtempSync(join(tmpdir(), 'tollgate-custom-webhook-'));
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await slack.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('posts one formatted Slack message per exchange with tool calls, and appends every exchange to the JSONL file', async () => {
    const url = await start(CONFIG);
    const textOnly = await ask(url, 'hello there');
    const withTool = await ask(url, 'list the files in /tmp', [BASH]);

    await slack.waitFor(1);
    const audit = join(work, 'data', 'audit');
    const lines = await eventually(() => {
      const l = auditLines(audit);
      return l.length >= 2 ? l : undefined;
    }, 'two audit lines');

    // Slack: one message, for the exchange with a tool call, formatted.
    assert.equal(slack.deliveries.length, 1);
    const delivery = slack.deliveries[0]!;
    assert.equal(delivery.path, SLACK_PATH);
    assert.equal(delivery.headers['content-type'], 'application/json');
    assert.equal(delivery.headers.authorization, undefined);
    const message = delivery.body as { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> };
    assert.equal(message.text, '(loopback) called bash via mock-1');
    assert.equal(message.blocks[0]?.text?.text, '*(loopback)* called 1 tool via `mock-1` (mock)');
    assert.equal(message.blocks[1]?.text?.text, ':hammer_and_wrench: *bash*\n```{"command":"list the files in /tmp"}```');
    assert.equal(message.blocks[2]?.elements?.[0]?.text, '> list the files in /tmp');
    assert.match(message.blocks[2]?.elements?.[1]?.text ?? '', new RegExp(`request \`${withTool}\``));

    // JSONL: both exchanges, in order, one JSON object per line, with the hook's send list.
    assert.deepEqual(lines.map((l) => [l.hook, l.event, l.payload.metadata.request_id]), [
      ['audit', 'entire_request', textOnly],
      ['audit', 'entire_request', withTool],
    ]);
    assert.match(lines[0]!.id, /^msg_[0-9a-f]{32}$/);
    assert.ok(!Number.isNaN(Date.parse(lines[0]!.ts)));
    assert.equal(lines[1]!.payload.user_message, 'list the files in /tmp');
    assert.deepEqual(lines[1]!.payload.tool_calls, [{ name: 'bash', params: { command: 'list the files in /tmp' } }]);
    assert.ok(lines[1]!.payload.request_body !== undefined && lines[1]!.payload.response_body !== undefined);

    // The Slack URL came from env:, so it is a secret: never in the gateway's logs.
    assert.doesNotMatch(gateway!.stdout + gateway!.stderr, /secretsecretsecret/);
    assert.equal((await gateway!.stop('SIGTERM')).code, 0);
  });

  it('rotates the audit file at its size limit and deletes rotations beyond keep', async () => {
    // The example's config with a small limit: plugin paths made absolute, so the copy works from anywhere.
    const config = readFileSync(CONFIG, 'utf8')
      .replaceAll('"./dist/', `"${join(EXAMPLE, 'dist')}/`)
      .replace('{ "max_bytes": "10mb", "keep": 5, "daily": true }', '{ "max_bytes": "3kb", "keep": 2 }');
    assert.match(config, /"max_bytes": "3kb", "keep": 2/);
    writeFileSync(join(work, 'small.jsonc'), config);
    const url = await start(join(work, 'small.jsonc'));
    const audit = join(work, 'data', 'audit');

    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await ask(url, `list the files in /tmp/${i}`, [BASH]);
      ids.push(id);
      await eventually(() => (auditLines(audit).some((l) => l.payload.metadata.request_id === id) ? true : undefined), `audit line ${i}`);
    }
    assert.deepEqual(readdirSync(audit).sort(), ['exchanges.1.jsonl', 'exchanges.2.jsonl', 'exchanges.jsonl']);
    for (const name of readdirSync(audit)) assert.ok(statSync(join(audit, name)).size <= 3 * 1024, `${name} is over the limit`);
    const kept = auditLines(audit).map((l) => l.payload.metadata.request_id);
    assert.ok(kept.length >= 3 && kept.length < ids.length, `kept ${kept.length} of ${ids.length}`);
    assert.deepEqual(kept, ids.slice(ids.length - kept.length), 'the newest exchanges, in order');
    await slack.waitFor(8);
  });
});
