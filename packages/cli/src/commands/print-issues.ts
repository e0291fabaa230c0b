import { type ConfigIssue, formatIssue } from '@tollgate/core';

const ORDER = { error: 0, warning: 1, note: 2 } as const;

/** Writes issues to stderr, one per line, errors first, then warnings, then notes (`error   hooks.x.url: ...`). */
export function printIssues(issues: readonly ConfigIssue[]): void {
  const sorted = [...issues].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  for (const issue of sorted) process.stderr.write(`${issue.severity.padEnd(7)} ${formatIssue(issue)}\n`);
}
