import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { type BrowserSession, editorLine, launchBrowser, screenshotAll, unexpected } from '@tollgate/testing/browser';
import { SCREENSHOT_DIR } from './support/fixtures.js';
import { type FakeApi, INITIAL_CONFIG, startFakeApi } from './support/fake-api.js';
import { XSS_IMG, XSS_SCRIPT, hostileData } from './support/fixtures.js';

/**
 * Every string a caller, a model or a header controls carries `<script>` and an
 * `"><img src=x onerror=...>` break-out (see `hostileData`). On every page they must show up as
 * the text they are: no script runs, no element is created from them.
 */
/** Looks at the document and the shadow roots in it (the JSON editor lives in one). */
const INSPECT = `(() => {
  const roots = [document];
  for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const all = (selector) => roots.flatMap((r) => [...r.querySelectorAll(selector)]);
  return {
    xss: window.__xss,
    images: all('img').length,
    handlers: all('[onerror], [onload], [onclick]').length,
    scripts: all('script').map((s) => s.getAttribute('src')),
    text: document.body.innerText + roots.slice(1).map((r) => r.textContent).join(''),
  };
})()`;

describe('dashboard in Chromium: untrusted text stays text on every page', function () {
  this.timeout(120_000);
  let session: BrowserSession;
  let api: FakeApi;
  let page: Page;
  const data = hostileData();

  before(async function () {
    session = await launchBrowser(this);
    const hostileHook = `"hooks": { ${JSON.stringify(`hook${XSS_SCRIPT}${XSS_IMG}`)}: { "url": ${JSON.stringify(`https://hooks.example.com/${XSS_SCRIPT}`)} } },`;
    const config = INITIAL_CONFIG.replace(/\/\/ tollgate configuration.*/, () => `// ${XSS_SCRIPT}${XSS_IMG}\n  ${hostileHook}`);
    api = await startFakeApi({ data, config });
    page = await session.newPage();
  });
  after(async () => {
    await api?.close();
    await session?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshotAll(session, this.currentTest.fullTitle(), SCREENSHOT_DIR);
  });

  /** Asserts that the payloads are on the page as text and nothing came of them. */
  async function assertInert(where: string): Promise<void> {
    // A string, so that the test transpiler adds no helpers the page does not have.
    const found = (await page.evaluate(INSPECT)) as { xss: unknown; images: number; handlers: number; scripts: (string | null)[]; text: string };
    assert.equal(found.xss, undefined, `${where}: a payload ran`);
    assert.equal(found.images, 0, `${where}: an <img> was created`);
    assert.equal(found.handlers, 0, `${where}: an inline handler was created`);
    assert.equal(found.scripts.length, 1, `${where}: scripts ${JSON.stringify(found.scripts)}`);
    assert.match(String(found.scripts[0]), /^\/ui\/assets\/app-\w+\.js$/);
    assert.ok(found.text.includes(XSS_SCRIPT) || found.text.includes(XSS_IMG), `${where}: the payload is not shown as text`);
  }

  /** Opens an app URL, waits until the API's data is shown (`shown`), and checks the page. */
  async function visit(path: string, ...shown: (string | RegExp)[]): Promise<void> {
    await page.goto(`${api.url}${path}`);
    for (const text of shown) await page.getByText(text).first().waitFor();
    await assertInert(path);
  }

  it('Tool Use: tool names, sessions, users, models', async () => {
    await visit('/ui/tool-use', `tool0${XSS_SCRIPT}`, `session0${XSS_SCRIPT}`, `name${XSS_SCRIPT}`);
    // A tool name link puts the payload in the URL and the filter field; still text.
    await page.getByRole('table', { name: 'Tool calls by tool' }).getByRole('link').first().click();
    await page.waitForURL(/tool=/);
    assert.match(await page.getByLabel('Tool', { exact: true }).inputValue(), /<script>/);
    await page.getByRole('table', { name: 'Tool calls by tool' }).getByText(/^tool\d<script>/).first().waitFor();
    await assertInert('tool-use filtered');
  });

  it('Logs: sessions, a session, every request in full', async () => {
    await visit('/ui/logs', /^session\d<script>/, `user1${XSS_SCRIPT}`);
    await visit('/ui/logs/requests', `name${XSS_SCRIPT}`, `model${XSS_SCRIPT}`);
    await visit(`/ui/logs/sessions/${encodeURIComponent(data.requests[0]!.session_id!)}`, `model${XSS_SCRIPT}`);
    for (const r of data.requests) {
      const shown = [`message${XSS_SCRIPT}`, `header${XSS_SCRIPT}`, `request-body${XSS_SCRIPT}`, `agent${XSS_SCRIPT}`];
      // Arguments are shown as JSON, so their quotes are escaped.
      if (r.tool_calls.length > 0) shown.push('"command": "arg<script>window.__xss = ', `reason${XSS_SCRIPT}`);
      await visit(`/ui/logs/requests/${r.id}`, ...shown);
    }
  });

  it('Usage and Models', async () => {
    await visit('/ui/usage', `user0${XSS_SCRIPT}`, `model${XSS_SCRIPT}`);
    await visit('/ui/models', `compat${XSS_SCRIPT}`, `provider-name${XSS_SCRIPT}`);
  });

  it('Settings: the overview and the JSON editor', async () => {
    await page.goto(`${api.url}/ui/settings/json-editor`);
    await editorLine(page, XSS_SCRIPT).waitFor();
    await assertInert('settings/json-editor');
    await visit('/ui/settings', `hook${XSS_SCRIPT}`);
  });

  it('raised no script error and no CSP violation', () => {
    assert.deepEqual(unexpected(session.problems), []);
  });
});
