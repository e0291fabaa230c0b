import { TollgateError, type TollgateErrorCode } from '../errors.js';

/** One problem found in a configuration. */
export interface ConfigIssue {
  /** Errors stop the gateway; warnings are logged and the gateway starts. */
  readonly severity: 'error' | 'warning';
  /** Where: the owner and a JSON-pointer-like path (`config/providers/openai/baseurl`, `plugins.webhook/hooks/oso/url`). */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * The error code of a plugin problem (`TG_ERR_PLUGIN_NOT_FOUND`, `TG_ERR_PLUGIN_INVALID`,
   * `TG_ERR_PLUGIN_CONFIG`, `TG_ERR_PLUGIN_VERSION_MISMATCH`, `TG_ERR_PLUGIN_DEPENDENCY`), so
   * that tools and tests can tell problems apart without parsing messages.
   */
  readonly code?: TollgateErrorCode;
}

/** Formats an issue as one line (`plugins.webhook/hooks/oso/url: must be string`). */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Joins an owner and a JSON pointer into an issue path. */
export function issuePath(owner: string, pointer: string): string {
  return pointer === '' || pointer === '/' ? owner : `${owner}${pointer.startsWith('/') ? '' : '/'}${pointer}`;
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Thrown when a configuration has errors; carries every issue found (errors and warnings). */
export class ConfigError extends TollgateError {
  /** All issues found, errors first. */
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], code: 'TG_ERR_CONFIG_INVALID' | 'TG_ERR_PLUGIN_CONFIG' = 'TG_ERR_CONFIG_INVALID') {
    const errors = issues.filter((i) => i.severity === 'error');
    super(code, `invalid configuration (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatIssue(e)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = [...errors, ...issues.filter((i) => i.severity === 'warning')];
  }
}

/** True when any issue is an error. */
export function hasErrors(issues: readonly ConfigIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
