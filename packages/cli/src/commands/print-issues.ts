import { type ConfigIssue, formatIssue } from '@tollgate/core';

/** Writes issues to stderr, one per line, errors first (`error   plugins.webhook/hooks/x/url: ...`). */
export function printIssues(issues: readonly ConfigIssue[]): void {
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  for (const issue of sorted) process.stderr.write(`${issue.severity.padEnd(7)} ${formatIssue(issue)}\n`);
}
