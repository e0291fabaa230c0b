/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by `playwright-core`
 * (no browser is ever downloaded). Without it the tests are skipped with the reason printed,
 * unless `TOLLGATE_REQUIRE_BROWSER=1` (CI), where they fail.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type ConsoleMessage, type Page, chromium } from 'playwright-core';

/** The Chromium binary (`TOLLGATE_CHROMIUM` overrides). */
export const CHROMIUM_PATH = process.env.TOLLGATE_CHROMIUM ?? '/usr/bin/chromium';

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

/** What {@link launchBrowser} skips when Chromium is missing (a mocha `this` in `before`). */
export interface SkippableSuite {
  /** Marks the suite as skipped (mocha throws to stop the hook). */
  skip(): void;
}

/** Options of {@link launchBrowser}. */
export interface LaunchBrowserOptions {
  /** Viewport size (default 1280 x 900). */
  readonly viewport?: { readonly width: number; readonly height: number };
}

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

/** Why browser tests cannot run here, or `undefined` when Chromium is installed. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (Playwright takes it as the persistent
 * context's directory), or skips `suite` when Chromium is missing and `TOLLGATE_REQUIRE_BROWSER`
 * is not `1` (then it throws). Any request to a host other than 127.0.0.1 is refused: a test that
 * follows an external link routes that URL to a stub first (`context.route`).
 */
export async function launchBrowser(suite: SkippableSuite | undefined, options: LaunchBrowserOptions = {}): Promise<BrowserSession> {
  const reason = browserUnavailable();
  if (reason !== undefined) {
    if (process.env.TOLLGATE_REQUIRE_BROWSER === '1' || suite === undefined) throw new Error(`${reason}; TOLLGATE_REQUIRE_BROWSER=1 requires it`);
    console.log(`  skipping browser tests: ${reason}`);
    suite.skip();
  }
  const profile = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: options.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: true,
    timeout: 30_000,
  });
  // Nothing may leave the machine. Routes added later take precedence over this one.
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

/** Saves a full-page screenshot of every open page of `session` under `dir` (on failure); returns the files. */
export async function screenshotAll(session: BrowserSession | undefined, title: string, dir: string): Promise<string[]> {
  if (session === undefined) return [];
  mkdirSync(dir, { recursive: true });
  const base = title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80);
  const files: string[] = [];
  for (const [i, page] of session.context.pages().entries()) {
    const file = join(dir, `${base}${i === 0 ? '' : `-${i}`}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    } catch {
      // A closed page has nothing to show.
    }
  }
  return files;
}
