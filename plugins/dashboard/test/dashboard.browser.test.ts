import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { type BrowserSession, editorLine, insertAfterLine, launchBrowser, navLink, screenshotAll, settingsStatus, unexpected } from '@tollgate/testing/browser';
import { SCREENSHOT_DIR } from './support/fixtures.js';
import { BOB, type FakeApi, INITIAL_CONFIG, startFakeApi } from './support/fake-api.js';

/** The seed's `hooks` entry, verbatim (Tailscale's "Integrate Oso with Aperture", step 5). */
const SEED_HOOKS = '"hooks": { "oso": { "url": "https://api.osohq.com/api/agents/v1/model-request", "apikey": "YOUR_OSO_API_KEY" } }';
/** The seed's grant, verbatim (step 6). */
const SEED_GRANT =
  '{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "send_hooks": [ { "name": "oso", "events": ["tool_call_entire_request"], "send": ["user_message", "tools", "request_body", "response_body"] } ] } ] } }';

/** Where Oso's dashboard is answered by a stub (nothing leaves the machine). */
const OSO_STUB = '<!doctype html><title>Oso (stub)</title><h1>Oso dashboard stand-in</h1>';

describe('dashboard in Chromium (fake API)', function () {
  this.timeout(60_000);
  let session: BrowserSession;
  let api: FakeApi | undefined;
  let page: Page | undefined;

  before(async function () {
    session = await launchBrowser(this);
  });
  after(async () => {
    await session?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll(session, this.currentTest.fullTitle(), SCREENSHOT_DIR);
      if (files.length) console.log(`  screenshots: ${files.join(', ')}`);
    }
    await page?.close();
    page = undefined;
    await api?.close();
    api = undefined;
    session.problems.length = 0;
  });

  it('follows the seed: Tool Use, View Tool Use in Oso, Settings, JSON editor, add the oso hook and grant, Save, verify', async () => {
    api = await startFakeApi();
    const etagBefore = api.config.etag;
    await session.context.route('https://ui.osohq.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: OSO_STUB }));
    page = await session.newPage();

    // 1. Open the dashboard at /ui/.
    await page.goto(`${api.url}/ui/`);
    await page.getByLabel('Signed in as').getByText('Alice Admin').waitFor();

    // 2. Go to the Tool Use page: the tool call the openai SDK made is there with its decision.
    await navLink(page, 'Tool Use').click();
    await page.getByRole('heading', { level: 1, name: 'Tool Use' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/ui/tool-use');
    const bashRow = page.getByRole('table', { name: 'Tool calls by tool' }).getByRole('row', { name: /bash/ });
    await bashRow.getByText('1 allowed').waitFor();
    await bashRow.getByText('1 blocked').waitFor();
    const recent = page.getByRole('table', { name: 'Recent requests with tool calls' });
    const allowedRow = recent.getByRole('row').filter({ hasText: '1 allowed' });
    await allowedRow.getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /Request req-1/ }).waitFor();
    await page.getByText('OpenAI/JS 6.49.0').first().waitFor();
    const call = page.locator('.tool-call').first();
    assert.equal(await call.locator('.tool-name').textContent(), 'bash');
    assert.equal(await call.locator('.badge').textContent(), 'allowed');
    assert.match((await call.locator('pre').textContent()) ?? '', /"command": "list the files in \/tmp"/);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Tool Use' }).waitFor();

    // ... and select View Tool Use in Oso (Oso is not connected yet, so the page says how).
    await page.getByText('Oso is not connected yet').waitFor();
    const [oso] = await Promise.all([session.context.waitForEvent('page'), page.getByRole('link', { name: 'View Tool Use in Oso' }).click()]);
    await oso.waitForLoadState();
    assert.equal(oso.url(), 'https://ui.osohq.com/');
    assert.equal(await oso.title(), 'Oso (stub)');
    await oso.close();

    // 4. Navigate to the Settings page and open the JSON editor.
    await navLink(page, 'Settings').click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByRole('link', { name: 'JSON editor' }).click();
    await editorLine(page, 'tollgate configuration').waitFor();

    // 5. Add an oso entry in the hooks section; 6. add the grant with send_hooks.
    await insertAfterLine(page, '{', `  ${SEED_HOOKS},`);
    await insertAfterLine(page, '"role": "user"', `    ${SEED_GRANT},`);
    await page.getByText('Unsaved changes').waitFor();

    // 7. Save the configuration.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('The new configuration is live.').waitFor();
    assert.equal(await page.getByText('Unsaved changes').count(), 0);

    // The store holds the user's own text: both snippets verbatim, comments and formatting kept.
    const saved = api.config.text;
    assert.equal(api.config.saves, 1);
    assert.ok(saved.includes(SEED_HOOKS), saved);
    assert.ok(saved.includes(SEED_GRANT), saved);
    for (const line of INITIAL_CONFIG.split('\n')) assert.ok(saved.includes(line), `kept: ${line}`);
    const put = api.received.find((r) => r.method === 'PUT' && r.path === '/aperture/config');
    assert.ok(put);
    assert.match(String(put.headers['content-type']), /^application\/json/);
    assert.equal(put.headers['if-match'], etagBefore);
    assert.equal(put.headers['sec-fetch-site'], 'same-origin');
    assert.equal(JSON.parse(put.body).config, saved);

    // Verify: the Tool Use page now says tool use goes to Oso through the hook.
    await navLink(page, 'Tool Use').click();
    await page.getByText('Tool use is sent to Oso through the hook').waitFor();
    assert.equal(await page.locator('.oso-status code').textContent(), 'oso');
    assert.deepEqual(unexpected(session.problems), []);
  });

  it('shows a conflicting save (412) and overwrites nothing', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/settings/json-editor`);
    await editorLine(page, 'tollgate configuration').waitFor();

    // Someone else saves while this editor is open.
    const theirs = INITIAL_CONFIG.replace('// tollgate configuration', '// saved by someone else');
    api.config.replace(theirs);

    await insertAfterLine(page, '{', '  "logging": { "level": "debug" },');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('someone else saved the configuration').waitFor();
    assert.equal(api.config.text, theirs, 'the other save stays');
    assert.equal(api.config.saves, 1, 'only theirs');
    await editorLine(page, '"logging"').waitFor(); // the user's edits are still there

    // Starting again from the latest text is one click (after confirming the edits are dropped).
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: /Load the latest configuration/ }).click();
    await editorLine(page, 'saved by someone else').waitFor();
    assert.equal(await editorLine(page, '"logging"').count(), 0);
    assert.deepEqual(unexpected(session.problems, [412]), []);
  });

  it('shows an invalid config (422) with every error at its path, and changes nothing', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/settings/json-editor`);
    await editorLine(page, 'tollgate configuration').waitFor();
    await insertAfterLine(page, '{', '  "hooks": { "oso": { "url": "not-a-url" } },');
    await insertAfterLine(page, '"role": "user"', '    { "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "send_hooks": [ { "name": "typo" } ] } ] } },');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('Not saved: the configuration has 2 errors').waitFor();
    const problems = page.locator('.problems li');
    assert.equal(await problems.count(), 2);
    await problems.filter({ hasText: 'plugins.webhook/hooks/oso/url' }).getByText('must be an http(s) URL').waitFor();
    await problems.filter({ hasText: 'send_hooks/0/name' }).getByText('names no hook').waitFor();
    // Both are marked in the editor, where their paths point.
    const marks = page.locator('.cm-lintRange-error');
    assert.equal(await marks.count(), 2);
    assert.match((await marks.allTextContents()).join(' | '), /"url": "not-a-url"/);
    assert.equal(api.config.text, INITIAL_CONFIG);
    assert.equal(api.config.saves, 0);

    // Validate reports the same without saving; fixing the text and saving then works.
    await page.getByRole('button', { name: 'Validate' }).click();
    await settingsStatus(page).getByText('The configuration has 2 errors.').waitFor();
    assert.deepEqual(unexpected(session.problems, [422]), []);
  });

  it('marks the server\'s problems in the editor also when no lint run is pending', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.clock.install();
    await page.goto(`${api.url}/ui/settings/json-editor`);
    await editorLine(page, 'tollgate configuration').waitFor();
    await insertAfterLine(page, '{', '  "hooks": { "oso": { "url": "not-a-url" } },');
    await page.clock.runFor(2000); // the as-you-type lint has run: none is pending
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await settingsStatus(page).getByText('Not saved: the configuration has 1 error').waitFor();
    await page.locator('.cm-lintRange-error', { hasText: '"not-a-url"' }).waitFor();
    assert.deepEqual(unexpected(session.problems, [422]), []);
  });

  it('marks a syntax error as you type', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/settings/json-editor`);
    await editorLine(page, 'tollgate configuration').waitFor();
    await insertAfterLine(page, '{', '  "listen": { "port": 8081 ');
    await page.locator('.cm-lintRange-error').first().waitFor();
  });

  it('shows a user their own traffic, who they are, and no Settings', async () => {
    api = await startFakeApi({ me: BOB });
    page = await session.newPage();
    await page.goto(`${api.url}/ui/tool-use`);
    await page.getByRole('note').getByText('You see your own traffic only').waitFor();
    const header = page.getByRole('banner');
    await header.getByText('Bob User').waitFor();
    assert.equal(await header.locator('.role').textContent(), 'user');
    assert.deepEqual(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(), ['Tool Use', 'Logs', 'Usage', 'Models']);
    assert.equal(await page.getByLabel('User', { exact: true }).count(), 0, 'no user filter');
    const tools = page.getByRole('table', { name: 'Tool calls by tool' });
    await tools.getByText('read_file').waitFor();
    assert.equal(await tools.getByText('bash').count(), 0, "alice's calls are not shown");
    assert.equal(await page.getByText('(an admin does this in Settings)').count(), 1);

    await page.goto(`${api.url}/ui/settings/json-editor`);
    await page.getByText('Only admins can see and change the gateway\'s settings').waitFor();
    assert.equal(api.received.filter((r) => r.path.startsWith('/aperture/')).length, 0);
    assert.deepEqual(unexpected(session.problems), []);
  });

  it('downloads usage as CSV through the API\'s Accept: text/csv', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/usage`);
    await page.getByRole('table', { name: 'Usage by user' }).getByText('bob@example.com').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download usage by user as CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'usage-by-user.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    assert.match(csv, /^key,requests,input_tokens,output_tokens,cached_tokens,reasoning_tokens,cost_dollars,unpriced_requests\r\n/);
    assert.match(csv, /bob@example\.com,2,2120,530,100,0,0\.009/);
    const sent = api.received.find((r) => r.path.startsWith('/api/usage?') && r.headers.accept === 'text/csv');
    assert.ok(sent, 'the CSV came from the API');
    assert.match(sent.path, /group_by=user/);
    assert.deepEqual(unexpected(session.problems), []);
  });

  it('walks Logs: sessions (paged), a session\'s requests, one request in full', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/`);
    await navLink(page, 'Logs').click();
    const sessions = page.getByRole('table', { name: 'Sessions' });
    await sessions.getByText('sess-bob-1').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await sessions.getByRole('link', { name: 'sess-alice-1' }).click();
    await page.getByRole('heading', { level: 1, name: /Session sess-alice-1/ }).waitFor();
    const requests = page.getByRole('table', { name: 'Requests in this session' });
    await requests.getByRole('row').nth(2).waitFor(); // counted once the table is there
    assert.equal(await requests.getByRole('row').count(), 3, 'header and two requests');
    await requests.getByRole('row').filter({ hasText: '1 blocked' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /Request req-2/ }).waitFor();
    await page.getByRole('table', { name: 'Request headers' }).getByText('[REDACTED]').waitFor();
    await page.getByRole('table', { name: 'Decisions' }).getByText('no-rm-rf').waitFor();
    await page.locator('.tool-call').getByText('blocked').waitFor();
    await page.getByLabel('Request body').getByText('"content": "run rm -rf /tmp/x"').waitFor();
    await page.getByText('tool call "bash" denied by no-rm-rf').waitFor();
    assert.deepEqual(unexpected(session.problems), []);
  });

  it('lists models with provider, compatibility, access and pricing', async () => {
    api = await startFakeApi();
    page = await session.newPage();
    await page.goto(`${api.url}/ui/models`);
    const table = page.getByRole('table', { name: 'Models' });
    const claude = table.getByRole('row').filter({ hasText: 'claude-sonnet-4-5' });
    await claude.waitFor();
    assert.equal(await claude.locator('td').nth(1).textContent(), 'Anthropic (anthropic)');
    assert.equal(await claude.locator('.badge').textContent(), 'no');
    assert.deepEqual(await claude.locator('td.num').allTextContents(), ['$3.00', '$15.00']);
    const mock = table.getByRole('row').filter({ hasText: 'mock-1' });
    assert.equal(await mock.locator('.badge').textContent(), 'yes');
    assert.deepEqual(await mock.locator('td.num').allTextContents(), ['unknown', 'unknown']);
    await mock.getByText('anthropic_messages').waitFor();
    assert.deepEqual(unexpected(session.problems), []);
  });
});
