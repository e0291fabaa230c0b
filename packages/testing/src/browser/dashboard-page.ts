/** Helpers that drive the dashboard the way a person does: by roles, labels and visible text. */
import type { Locator, Page } from 'playwright-core';

/** A main-navigation link by its label. */
export function navLink(page: Page, label: string): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
}

/** A line of the JSON editor containing `text`. */
export function editorLine(page: Page, text: string): Locator {
  return page.locator('.cm-line', { hasText: text }).first();
}

/** Puts the cursor at the end of the editor line containing `text`, opens a new line and types `insert` there. */
export async function insertAfterLine(page: Page, text: string, insert: string): Promise<void> {
  await editorLine(page, text).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(insert);
}

/** The Settings page's outcome line (success, conflict, invalid). */
export function settingsStatus(page: Page): Locator {
  return page.getByRole('status').filter({ has: page.locator('.alert') });
}

/** Console problems other than the 4xx answers a test provokes on purpose. */
export function unexpected(problems: readonly string[], allowedStatuses: readonly number[] = []): string[] {
  return problems.filter((p) => {
    const m = /Failed to load resource: the server responded with a status of (\d{3})/.exec(p);
    return m === null || !allowedStatuses.includes(Number(m[1]));
  });
}
