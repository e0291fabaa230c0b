// The seed ("Integrate Oso with Aperture") walked in headless Chromium against a real gateway:
// `tollgate start` with a config file, the default plugins, the `openai` SDK as the agent, and a
// local stand-in for Oso (its telemetry endpoint and its Check API) on 127.0.0.1.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { type FakeOso, startFakeOso } from '@tollgate/testing';
import { type BrowserSession, editorLine, insertAfterLine, launchBrowser, navLink, screenshotAll, settingsStatus, unexpected } from '@tollgate/testing/browser';
import type { Page } from 'playwright-core';
import { type CliGateway, E2E_OUTPUT_DIR, askForToolCall, openaiClient, startCliGateway, waitForCaptured } from './support/gateway.js';
import { OSO_DASHBOARD_STUB, OSO_DASHBOARD_URL, SEED_GRANT, SEED_OSO_API_KEY, seedHooks, walkthroughConfig } from './support/seed.js';

/** Who the stand-in Oso lets call what: everyone may call `bash`, nothing else. */
const OSO_POLICY = [{ actor_type: 'User', actor_id: '*', action: 'call', resource_type: 'Tool', resource_id: 'bash' }];

interface LiveSettings {
  oso: { configured: boolean; hook: string | null };
}

describe('e2e: the seed walked in Chromium against tollgate start', function () {
  this.timeout(120_000);
  let session: BrowserSession;
  let oso: FakeOso | undefined;
  let gateway: CliGateway | undefined;

  /** Starts the stand-in Oso and `tollgate start` with the walkthrough's config file. */
  const start = async (): Promise<{ gateway: CliGateway; oso: FakeOso; config: string }> => {
    oso = await startFakeOso({ apiKey: SEED_OSO_API_KEY, policy: OSO_POLICY });
    const config = walkthroughConfig(oso.url);
    gateway = await startCliGateway({ config, env: { OSO_API_KEY: SEED_OSO_API_KEY } });
    return { gateway, oso, config };
  };
  const onDisk = (): string => readFileSync(gateway!.configFile!, 'utf8');
  const live = async (): Promise<LiveSettings> => (await fetch(`${gateway!.url}/api/dashboard`)).json() as Promise<LiveSettings>;
  const openEditor = async (page: Page): Promise<void> => {
    await page.goto(`${gateway!.url}/ui/settings/json-editor`);
    await editorLine(page, 'tollgate configuration for the end-to-end walkthrough').waitFor();
  };

  before(async function () {
    session = await launchBrowser(this);
    await session.context.route(`${OSO_DASHBOARD_URL}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: OSO_DASHBOARD_STUB }));
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
    for (const page of session?.context.pages() ?? []) await page.close();
    if (session) session.problems.length = 0;
    await gateway?.stop();
    gateway = undefined;
    await oso?.close();
    oso = undefined;
  });

  it('follows the seed word for word: /ui/, Tool Use, View Tool Use in Oso, Settings, JSON editor, the oso hook and grant, Save, verify', async () => {
    const { gateway, oso, config } = await start();
    const client = openaiClient(gateway);

    // Tool calls made with the official openai SDK: one Oso allows, one it denies.
    const allowed = await askForToolCall(client, 'bash', 'list the files in /tmp');
    assert.ok(!(allowed instanceof Error), String(allowed));
    assert.deepEqual(allowed.choices[0]?.message.tool_calls?.map((c) => c.type === 'function' && [c.function.name, c.function.arguments]), [['bash', '{"command":"list the files in /tmp"}']]);
    const denied = await askForToolCall(client, 'delete_file', 'delete /etc/passwd');
    assert.ok(denied instanceof Error && denied.status === 403, `expected a 403, got ${String(denied)}`);
    assert.match(denied.message, /tool call "delete_file" denied by Oso policy/);
    await waitForCaptured(gateway, 2);

    // 1. Open the dashboard at /ui/: it says who you are.
    const page = await session.newPage();
    await page.goto(`${gateway.url}/ui/`);
    const me = page.getByLabel('Signed in as');
    await me.getByText('(loopback)', { exact: true }).waitFor();
    assert.equal(await me.getByText('admin', { exact: true }).count(), 1);

    // 2. Go to the Tool Use page: both calls are there with their decisions.
    await navLink(page, 'Tool Use').click();
    await page.getByRole('heading', { level: 1, name: 'Tool Use' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/ui/tool-use');
    const byTool = page.getByRole('table', { name: 'Tool calls by tool' });
    await byTool.getByRole('row').filter({ has: page.getByRole('link', { name: 'bash', exact: true }) }).getByText('1 allowed').waitFor();
    await byTool.getByRole('row').filter({ has: page.getByRole('link', { name: 'delete_file', exact: true }) }).getByText('1 blocked').waitFor();
    const recent = page.getByRole('table', { name: 'Recent requests with tool calls' });

    // The allowed call: tool name, its arguments as text, its decision and who decided.
    await recent.getByRole('row').filter({ hasText: '1 allowed' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /^Request / }).waitFor();
    const bashCall = page.getByRole('listitem').filter({ has: page.getByLabel('Arguments of bash') });
    await bashCall.getByText('allowed', { exact: true }).waitFor();
    const bashDecision = page.getByRole('table', { name: 'Decisions' }).getByRole('row').filter({ hasText: 'tool:bash' });
    assert.deepEqual(await bashDecision.getByRole('cell').allTextContents().then((cells) => cells.slice(0, 4)), ['oso', 'tool:bash', 'allowed', 'allowed by Oso policy']);
    assert.match((await page.getByLabel('Arguments of bash').textContent()) ?? '', /"command": "list the files in \/tmp"/);
    await page.getByLabel('User message').getByText('list the files in /tmp').waitFor();
    await page.goBack();

    // The denied call: blocked, by oso, and why.
    await recent.getByRole('row').filter({ hasText: '1 blocked' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /^Request / }).waitFor();
    const deleteCall = page.getByRole('listitem').filter({ has: page.getByLabel('Arguments of delete_file') });
    await deleteCall.getByText('blocked', { exact: true }).waitFor();
    await deleteCall.getByText('by oso', { exact: true }).waitFor();
    await deleteCall.getByText(/denied by Oso policy: User:\(loopback\) may not "call" Tool:delete_file/).waitFor();
    assert.match((await page.getByLabel('Arguments of delete_file').textContent()) ?? '', /"command": "delete \/etc\/passwd"/);
    const deleteDecision = page.getByRole('table', { name: 'Decisions' }).getByRole('row').filter({ hasText: 'tool:delete_file' });
    assert.deepEqual(await deleteDecision.getByRole('cell').allTextContents().then((cells) => cells.slice(0, 4)), ['oso', 'tool:delete_file', 'denied', 'denied by Oso policy']);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Tool Use' }).waitFor();

    // ... then select View Tool Use in Oso (Oso's dashboard, answered by a stub here).
    await page.getByText('Oso is not connected yet').waitFor();
    const [osoTab] = await Promise.all([session.context.waitForEvent('page'), page.getByRole('link', { name: 'View Tool Use in Oso' }).click()]);
    await osoTab.waitForLoadState();
    assert.equal(osoTab.url(), OSO_DASHBOARD_URL);
    assert.equal(await osoTab.title(), 'Oso (stub)');
    await osoTab.close();

    // 4. Navigate to the Settings page and open the JSON editor.
    await navLink(page, 'Settings').click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByRole('link', { name: 'JSON editor' }).click();
    await editorLine(page, 'tollgate configuration for the end-to-end walkthrough').waitFor();

    // 5. Add an oso entry in the hooks section; 6. add the grant with send_hooks.
    const hooks = seedHooks(oso.modelRequestUrl);
    await insertAfterLine(page, '{', `${hooks},`);
    await insertAfterLine(page, '"src": ["(loopback)"]', `${SEED_GRANT},`);
    await page.getByText('Unsaved changes').waitFor();

    // 7. Save the configuration: the page says it is live.
    const [put] = await Promise.all([page.waitForRequest((r) => r.method() === 'PUT' && new URL(r.url()).pathname === '/aperture/config'), page.getByRole('button', { name: 'Save', exact: true }).click()]);
    await settingsStatus(page).getByText('The new configuration is live.').waitFor();
    assert.equal(await page.getByText('Unsaved changes').count(), 0);

    // The file holds the text exactly as edited: the seed's snippets, every original line
    // (comments too), nothing else; private to its owner.
    const edited = (put.postDataJSON() as { config: string }).config;
    const saved = onDisk();
    assert.equal(saved, edited);
    assert.ok(saved.includes(hooks), saved);
    assert.ok(saved.includes(SEED_GRANT), saved);
    const added = saved.split('\n').filter((line) => !config.split('\n').includes(line));
    assert.deepEqual(added.map((l) => l.trim()), [`${hooks},`, `${SEED_GRANT},`]);
    for (const line of config.split('\n')) assert.ok(saved.includes(line), `kept: ${line}`);
    assert.equal(statSync(gateway.configFile!).mode & 0o777, 0o600);
    assert.deepEqual((await live()).oso, { configured: true, hook: 'oso', dashboard_url: OSO_DASHBOARD_URL });

    // Verify: the Tool Use page says tool use goes to Oso ...
    await navLink(page, 'Tool Use').click();
    await page.getByText('Tool use is sent to Oso through the hook').waitFor();
    assert.equal(await page.getByLabel('Oso').locator('code').textContent(), 'oso');

    // ... and a new tool call reaches Oso with the seed's send list and the hook's key.
    assert.equal(oso.modelRequests.length, 0, 'nothing was sent to Oso before the hook existed');
    const next = await askForToolCall(client, 'bash', 'show the disk usage of /var');
    assert.ok(!(next instanceof Error), String(next));
    await oso.waitFor(1);
    const [delivery] = oso.modelRequests;
    assert.equal(delivery!.headers.authorization, `Bearer ${SEED_OSO_API_KEY}`);
    assert.match(String(delivery!.headers['content-type']), /^application\/json/);
    const body = delivery!.body as Record<string, any>;
    // The seed's send list (tools arrives as tool_calls), and, since Oso also enforces here, its decisions.
    assert.deepEqual(Object.keys(body).sort(), ['authorization_decisions', 'metadata', 'request_body', 'response_body', 'tool_calls', 'user_message']);
    assert.equal(body.metadata.login_name, '(loopback)');
    assert.equal(body.metadata.model, 'mock-1');
    assert.equal(body.metadata.url, '/v1/chat/completions');
    assert.equal(body.user_message, 'show the disk usage of /var');
    // Aperture's {name, params}; with an onToolCall tap (Oso's enforcement) also what was decided.
    assert.deepEqual(body.tool_calls, [{ name: 'bash', params: { command: 'show the disk usage of /var' }, decision: 'allow' }]);
    const requestBody = typeof body.request_body === 'string' ? JSON.parse(body.request_body) : body.request_body;
    assert.equal(requestBody.messages[0].content, 'show the disk usage of /var');
    assert.equal(requestBody.tools[0].function.name, 'bash');
    const responseBody = typeof body.response_body === 'string' ? JSON.parse(body.response_body) : body.response_body;
    assert.equal(responseBody.choices[0].message.tool_calls[0].function.arguments, '{"command":"show the disk usage of /var"}');

    // The new call is on the Tool Use page as well.
    await waitForCaptured(gateway, 3);
    await page.reload();
    await byTool.getByRole('row').filter({ has: page.getByRole('link', { name: 'bash', exact: true }) }).getByText('2 allowed').waitFor();
    assert.deepEqual(unexpected(session.problems, [403]), []);
  });

  it('shows a conflicting save (the file edited behind the page, or a save from another page) and overwrites nothing', async () => {
    const { gateway, oso, config } = await start();
    const page = await session.newPage();
    await openEditor(page);
    await insertAfterLine(page, '{', `${seedHooks(oso.modelRequestUrl)},`);

    // Someone edits the file on disk while the editor is open.
    const theirs = config.replace('// tollgate configuration for the end-to-end walkthrough', '// tollgate configuration for the end-to-end walkthrough, edited by hand');
    writeFileSync(gateway.configFile!, theirs);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('someone else saved the configuration after you opened it').waitFor();
    assert.equal(onDisk(), theirs, 'the hand edit stays');
    assert.equal((await live()).oso.configured, false, 'the running configuration is unchanged');
    await editorLine(page, '"hooks"').waitFor(); // the user's edits are still in the editor

    // Starting again from the latest text is one click (after confirming the edits are dropped).
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: /Load the latest configuration/ }).click();
    await editorLine(page, 'edited by hand').waitFor();
    assert.equal(await editorLine(page, '"hooks"').count(), 0);

    // Two pages: the second saves first, the first one's save is refused.
    const other = await session.newPage();
    await openEditor(other);
    await editorLine(other, 'edited by hand').waitFor();
    await insertAfterLine(other, '{', '"logging": { "level": "debug" },');
    await other.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(other).getByText('The new configuration is live.').waitFor();
    const afterOther = onDisk();
    assert.match(afterOther, /"logging": \{ "level": "debug" \},/);

    await insertAfterLine(page, '{', `${seedHooks(oso.modelRequestUrl)},`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('someone else saved the configuration after you opened it').waitFor();
    assert.equal(onDisk(), afterOther, "the other page's save stays");
    assert.equal((await live()).oso.configured, false);
    assert.deepEqual(unexpected(session.problems, [412]), []);
  });

  it('shows an invalid config with its errors at their paths, and changes nothing on disk nor live', async () => {
    const { gateway, config } = await start();
    const page = await session.newPage();
    await openEditor(page);
    const etag = (await fetch(`${gateway.url}/aperture/config`)).headers.get('etag');

    // A hook with a bad URL (an error), and a grant naming a hook that does not exist (a warning,
    // as in Aperture).
    await insertAfterLine(page, '{', '"hooks": { "oso": { "url": "not-a-url", "apikey": "YOUR_OSO_API_KEY" } },');
    await insertAfterLine(page, '"src": ["(loopback)"]', '{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "send_hooks": [ { "name": "osso" } ] } ] } },');
    const status = settingsStatus(page);
    const problems = page.getByRole('heading', { name: /^Problems/ }).locator('..').getByRole('listitem');
    await page.getByRole('button', { name: 'Validate' }).click();
    await status.getByText('The configuration has 1 error.').waitFor();
    await problems.filter({ hasText: 'hooks/oso/url' }).getByText('hook oso has an invalid URL').waitFor();
    await problems.filter({ hasText: 'send_hooks/0/name' }).getByText('send_hooks references undefined hook "osso"').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await status.getByText('Not saved: the configuration has 1 error. The running configuration is unchanged.').waitFor();
    await problems.filter({ hasText: 'plugins.webhook/hooks/oso/url' }).getByText('hook oso has an invalid URL').waitFor();
    await page.locator('.cm-lintRange-error', { hasText: '"not-a-url"' }).first().waitFor();
    assert.equal(onDisk(), config);
    assert.equal((await fetch(`${gateway.url}/aperture/config`)).headers.get('etag'), etag);
    assert.equal((await live()).oso.configured, false);

    // A JSON syntax error: refused with its place, nothing changes either.
    page.once('dialog', (d) => void d.accept());
    await openEditor(page);
    await insertAfterLine(page, '{', '"logging": { "level": "debug" ');
    await page.locator('.cm-lintRange-error').first().waitFor(); // marked as you type
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await status.getByText(/^Not saved: the configuration has \d+ errors?\./).waitFor();
    await problems.first().waitFor();
    assert.equal(onDisk(), config);
    assert.equal((await fetch(`${gateway.url}/aperture/config`)).headers.get('etag'), etag);
    assert.deepEqual(unexpected(session.problems, [422]), []);
  });

  it('saves a config with warnings and lists them at their paths (a send_hooks name that is no hook)', async () => {
    const { oso } = await start();
    const page = await session.newPage();
    await openEditor(page);
    await insertAfterLine(page, '{', `${seedHooks(oso.modelRequestUrl)},`);
    await insertAfterLine(page, '"src": ["(loopback)"]', SEED_GRANT.replace('"name": "oso"', '"name": "osso"') + ',');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('The new configuration is live (with 1 warning, listed below).').waitFor();
    const problems = page.getByRole('heading', { name: /^Problems/ }).locator('..').getByRole('listitem');
    await problems.filter({ hasText: 'send_hooks/0/name' }).getByText('send_hooks references undefined hook "osso"').waitFor();
    assert.equal(await problems.count(), 1);
    await page.locator('.cm-lintRange-warning', { hasText: '"osso"' }).first().waitFor();
    assert.match(onDisk(), /"name": "osso"/);
    assert.equal((await live()).oso.configured, true);
    assert.deepEqual(unexpected(session.problems), []);
  });
});
