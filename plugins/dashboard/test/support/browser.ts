/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by
 * `playwright-core` (no browser is ever downloaded). Without it the tests are skipped with the
 * reason printed, unless `TOLLGATE_REQUIRE_BROWSER=1` (CI), where they fail.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type ConsoleMessage, type Page, chromium } from 'playwright-core';

/** The Chromium binary (`TOLLGATE_CHROMIUM` overrides). */
export const CHROMIUM_PATH = process.env.TOLLGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots of failed tests go (gitignored). */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');

/** Chromium flags: headless, no sandbox (root in CI), nothing phoning home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser session for one test file. */
export interface BrowserSession {
  /** The browser context (one fresh profile directory). */
  readonly context: BrowserContext;
  /** Console errors, page errors and CSP violations seen on any page, for asserting none. */
  readonly problems: string[];
  /** Opens a page that reports its problems into {@link problems}. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes the profile directory. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (Playwright takes it as the persistent
 * context's directory), or skips the calling suite when Chromium is missing and
 * `TOLLGATE_REQUIRE_BROWSER` is not `1`.
 */
export async function launchBrowser(suite: Mocha.Context): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    const reason = `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
    if (process.env.TOLLGATE_REQUIRE_BROWSER === '1') throw new Error(`${reason}; TOLLGATE_REQUIRE_BROWSER=1 requires it`);
    console.log(`  skipping browser tests: ${reason}`);
    suite.skip();
  }
  const profile = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    timeout: 30_000,
  });
  // Nothing may leave the machine: any request to another host is refused (tests that click
  // external links route those URLs themselves first).
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of every open page under {@link SCREENSHOT_DIR} (on failure). */
export async function screenshotAll(session: BrowserSession | undefined, title: string): Promise<string[]> {
  if (session === undefined) return [];
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const base = title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80);
  const files: string[] = [];
  for (const [i, page] of session.context.pages().entries()) {
    const file = join(SCREENSHOT_DIR, `${base}${i === 0 ? '' : `-${i}`}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    } catch {
      // A closed page has nothing to show.
    }
  }
  return files;
}

