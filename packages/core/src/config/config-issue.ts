import { TollgateError, type TollgateErrorCode } from '../errors.js';

/** One problem found in a configuration. */
export interface ConfigIssue {
  /**
   * Errors stop the gateway; warnings are logged and the gateway starts; notes say what was not
   * checked (`tollgate check-config --allow-missing-env`: an unset `env:` variable).
   */
  readonly severity: 'error' | 'warning' | 'note';
  /**
   * Where, for tools: the owner and a JSON-pointer path (`config/providers/openai/baseurl`,
   * `plugins.webhook/hooks/oso/url`, `plugins.grants/grants/0/app/tailscale.com~1cap~1aperture/1`).
   */
  readonly path: string;
  /**
   * Where, for people: the dotted path in the config file (`providers.openai.baseurl`,
   * `grants[0].app["tailscale.com/cap/aperture"][1]`, `plugins.webhook.delivery.concurrency` for a
   * plugin option). Set by `prepareConfig`; {@link formatIssue} derives it from `path` otherwise.
   */
  readonly location?: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * The error code of a plugin problem (`TG_ERR_PLUGIN_NOT_FOUND`, `TG_ERR_PLUGIN_INVALID`,
   * `TG_ERR_PLUGIN_CONFIG`, `TG_ERR_PLUGIN_VERSION_MISMATCH`, `TG_ERR_PLUGIN_DEPENDENCY`), so
   * that tools and tests can tell problems apart without parsing messages.
   */
  readonly code?: TollgateErrorCode;
}

/** Formats an issue as one line with its dotted location (`hooks.oso.url: must be string`). */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.location ?? issueLocation(issue.path)}: ${issue.message}`;
}

/** Unescapes one JSON-pointer segment (RFC 6901). */
function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A JSON pointer as a dotted path: `/grants/0/app/tailscale.com~1cap~1aperture/1` → `grants[0].app["tailscale.com/cap/aperture"][1]`. */
export function dottedPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').filter((s) => s !== '')) {
    const seg = unescapeSegment(raw);
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * The dotted location of an issue path. `config/...` is a place in the file (`providers.openai`);
 * `plugins.<name>/<section>/...` too when `<section>` is one of `sections` (the top-level sections
 * plugins own: `hooks.oso.url`); any other `plugins.<name>/...` is a plugin option
 * (`plugins.webhook.delivery.concurrency`).
 */
export function issueLocation(path: string, sections: ReadonlySet<string> = new Set()): string {
  const slash = path.indexOf('/');
  const owner = slash === -1 ? path : path.slice(0, slash);
  const pointer = slash === -1 ? '' : path.slice(slash);
  if (owner === 'config') return pointer === '' ? '(config)' : dottedPath(pointer);
  const first = unescapeSegment(pointer.split('/')[1] ?? '');
  if (owner.startsWith('plugins.') && sections.has(first)) return dottedPath(pointer);
  const rest = dottedPath(pointer);
  return rest === '' ? owner : rest.startsWith('[') ? `${owner}${rest}` : `${owner}.${rest}`;
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
  /** All issues found: errors, then warnings, then notes. */
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], code: 'TG_ERR_CONFIG_INVALID' | 'TG_ERR_PLUGIN_CONFIG' = 'TG_ERR_CONFIG_INVALID') {
    const errors = issues.filter((i) => i.severity === 'error');
    super(code, `invalid configuration (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatIssue(e)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = [...errors, ...issues.filter((i) => i.severity === 'warning'), ...issues.filter((i) => i.severity === 'note')];
  }
}

/** True when any issue is an error. */
export function hasErrors(issues: readonly ConfigIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
