import assert from 'node:assert/strict';
import dashboardPlugin from '@tollgate/plugin-dashboard';
import grantsPlugin from '@tollgate/plugin-grants';
import { defineQuotasPlugin } from '@tollgate/plugin-quotas';
import { type TestGateway, startTestGateway } from '@tollgate/testing';
import type { Page } from 'playwright-core';
import { type BrowserSession, launchBrowser, screenshotAll, unexpected } from '@tollgate/testing/browser';
import { SCREENSHOT_DIR } from './support/fixtures.js';

const AP = 'tailscale.com/cap/aperture';
const ALICE_KEY = 'key-alice-dashboard-quotas';

describe('dashboard Usage page: quota buckets from a real gateway, in Chromium', function () {
  this.timeout(60_000);
  let session: BrowserSession;
  let gw: TestGateway;
  let page: Page | undefined;

  before(async function () {
    session = await launchBrowser(this);
    gw = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['gpt-4.1-nano'], cost_basis: 'openai' } },
        // The browser, on this machine, is "(loopback)": an admin. Alice calls with a key.
        identity: { loopback: true, api_keys: { [ALICE_KEY]: 'alice@example.com' } },
        quotas: { 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' }, team: { capacity: '$100.00', rate: '$100.00/week' } },
        grants: [
          { src: ['(loopback)'], app: { [AP]: [{ role: 'admin', models: '**' }] } },
          { src: ['alice@example.com'], app: { [AP]: [{ role: 'user', models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'team' }] }] } },
        ],
      },
      plugins: [grantsPlugin, defineQuotasPlugin({ clock: () => Date.UTC(2026, 0, 1) }), dashboardPlugin],
    });
  });
  after(async () => {
    await session?.close();
    await gw?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll(session, this.currentTest.fullTitle(), SCREENSHOT_DIR);
      if (files.length) console.log(`  screenshots: ${files.join(', ')}`);
    }
    await page?.close();
    page = undefined;
    session.problems.length = 0;
  });

  it('lists the buckets with balance, capacity and rate, and lets an admin set a balance and refill', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE_KEY}` },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(res.status, 200);
    await gw.exchange(1);

    page = await session.newPage();
    await page.goto(`${gw.url}/ui/usage`);
    const table = page.getByRole('table', { name: 'Quota buckets' });
    const team = table.getByRole('row', { name: /^team / });
    await team.waitFor();
    const cells = await team.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(0, 4), ['team', (await teamBalance(gw)).dollars, '$100.00', '$100.00/week']);
    assert.notEqual(cells[4], 'never charged', 'charged for Alice\'s request');
    await table.getByRole('row', { name: /daily:alice@example\.com/ }).waitFor();

    // Set balance, then refill: the table shows what the API answers.
    await page.getByLabel('Bucket', { exact: true }).selectOption('team');
    await page.getByLabel('Amount').fill('-$2.50');
    await page.getByRole('button', { name: 'Set balance' }).click();
    await team.getByRole('cell', { name: '-$2.50' }).waitFor();
    assert.equal((await teamBalance(gw)).current, -2_500_000_000);
    await page.getByLabel('Amount').fill('$3.00');
    await page.getByRole('button', { name: 'Refill' }).click();
    await team.getByRole('cell', { name: '$0.50', exact: true }).waitFor();
    assert.equal((await teamBalance(gw)).current, 500_000_000);
    // /api/usage belongs to the capture plugin, not loaded here.
    assert.deepEqual(unexpected(session.problems, [404]), []);
  });
});

/** The team bucket as the API reports it to an admin (the test runs on this machine: loopback). */
async function teamBalance(gw: TestGateway): Promise<{ current: number; dollars: string }> {
  const body = (await (await fetch(`${gw.url}/api/quotas`)).json()) as { buckets: Array<{ name: string; current: number; current_dollars: string }> };
  const team = body.buckets.find((b) => b.name === 'team');
  assert.ok(team);
  return { current: team.current, dollars: team.current_dollars };
}
