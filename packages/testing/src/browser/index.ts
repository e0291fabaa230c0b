/**
 * `@tollgate/testing/browser`: headless Chromium sessions (Debian's `chromium` driven by
 * `playwright-core`, an optional peer dependency) and helpers that drive the dashboard by roles,
 * labels and visible text.
 */
export * from './browser-session.js';
export * from './dashboard-page.js';
