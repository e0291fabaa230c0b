// The README's first minutes, as written: `tollgate start` on the built-in default (no --config),
// the README's curl tool call (sent with fetch), and that call on the dashboard's Tool Use page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserSession, launchBrowser, navLink, screenshotAll, unexpected } from '@tollgate/testing/browser';
import { type CliGateway, E2E_OUTPUT_DIR, REPO_ROOT, startCliGateway, waitForCaptured } from './support/gateway.js';

/** The README's curl request under "A tool call in a minute": its URL, headers and body. */
function readmeCurl(): { path: string; headers: Record<string, string>; body: string } {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A tool call in a minute'));
  const command = /```sh\n(curl [\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(command, 'the README has a curl command under "A tool call in a minute"');
  const url = /curl -s (http:\/\/127\.0\.0\.1:8080\S+)/.exec(command)?.[1];
  const headers = Object.fromEntries([...command.matchAll(/-H '([^:']+): ([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  const body = /-d '([\s\S]*?)'/.exec(command)?.[1];
  assert.ok(url && body, command);
  return { path: new URL(url).pathname, headers, body };
}

describe('e2e: the README quickstart (tollgate start without --config, the curl tool call, the Tool Use page)', function () {
  this.timeout(120_000);
  let session: BrowserSession;
  let gateway: CliGateway | undefined;

  before(async function () {
    session = await launchBrowser(this);
  });
  after(async () => {
    await session?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll(session, this.currentTest.fullTitle(), E2E_OUTPUT_DIR);
      if (files.length) console.log(`  screenshots: ${files.join(', ')}`);
      if (gateway) console.log(gateway.process.describe());
    }
    await gateway?.stop();
    gateway = undefined;
  });

  it('serves the dashboard on the built-in default, and the curl tool call is on the Tool Use page', async () => {
    gateway = await startCliGateway();
    assert.match(gateway.process.stderr, /tollgate listening on http:\/\/127\.0\.0\.1:\d+ \(config: built-in default/);

    const curl = readmeCurl();
    const res = await fetch(`${gateway.url}${curl.path}`, { method: 'POST', headers: curl.headers, body: curl.body });
    assert.equal(res.status, 200);
    const completion = (await res.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
    // What the README says the answer is.
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.choices[0]?.message.tool_calls[0]?.function.name, 'bash');
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.tool_calls[0]?.function.arguments ?? ''), { command: 'list the files in /tmp' });
    await waitForCaptured(gateway, 1);

    const page = await session.newPage();
    await page.goto(`${gateway.url}/ui/`);
    await page.getByLabel('Signed in as').getByText('(loopback)', { exact: true }).waitFor();
    await navLink(page, 'Tool Use').click();
    const bash = page.getByRole('table', { name: 'Tool calls by tool' }).getByRole('row').filter({ has: page.getByRole('link', { name: 'bash', exact: true }) });
    await bash.getByText('1 allowed').waitFor();
    await page.getByRole('table', { name: 'Recent requests with tool calls' }).getByRole('row').filter({ hasText: '1 allowed' }).getByRole('link').first().click();
    await page.getByLabel('User message').getByText('list the files in /tmp').waitFor();
    const args = page.getByLabel('Arguments of bash');
    assert.match((await args.textContent()) ?? '', /"command": "list the files in \/tmp"/);
    await page.getByRole('listitem').filter({ has: args }).getByText('allowed', { exact: true }).waitFor();
    assert.deepEqual(unexpected(session.problems), []);
  });
});
