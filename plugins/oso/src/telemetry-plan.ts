import type { OsoOptions } from './schema.js';

/** How the telemetry short form is carried by the webhook plugin. */
export interface TelemetryPlan {
  /** The hook the short form wires (an added endpoint, or the `hooks` entry it reuses). */
  readonly hookName: string;
  /** The endpoint to add; absent when a `hooks` entry already posts to the same URL. */
  readonly endpoint?: { readonly url: string; readonly apikey: string; readonly authorization: 'bearer'; readonly timeout: string };
  /** The `hooks` entry reused (same URL as the short form's), if any. */
  readonly reuses?: string;
  /** A load-time warning, if any. */
  readonly warning?: string;
}

/** A plan that cannot work: the option at fault and why. */
export interface TelemetryPlanError {
  /** Option name (`hook_name`). */
  readonly field: string;
  /** What is wrong. */
  readonly error: string;
}

/** A URL in a form that compares equal for the same endpoint (case of scheme and host, default port, trailing slash). */
export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href.replace(/\/+$/, '');
  } catch {
    return url.trim();
  }
}

/**
 * Plans the short form against the `hooks` section: when an entry of `hooks` already posts to the
 * same URL (the seed's verbatim `hooks.oso`), the short form wires **that** hook (its `apikey`,
 * `timeout`, `disabled` apply) so both forms together deliver once per request, with their send
 * lists united; otherwise it adds an endpoint named `hook_name`, which must not be taken by a
 * `hooks` entry with another URL.
 */
export function planTelemetry(options: OsoOptions, hooks: Readonly<Record<string, unknown>>): TelemetryPlan | TelemetryPlanError {
  const target = normalizeUrl(options.url);
  const same = Object.entries(hooks)
    .filter(([, h]) => h !== null && typeof h === 'object' && typeof (h as { url?: unknown }).url === 'string' && normalizeUrl((h as { url: string }).url) === target)
    .map(([name, h]) => ({ name, apikey: (h as { apikey?: unknown }).apikey }))
    .sort((a, b) => (a.name === options.hook_name ? -1 : b.name === options.hook_name ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const reused = same[0];
  if (reused !== undefined) {
    const key = typeof reused.apikey === 'string' ? reused.apikey : '';
    const warning =
      key === options.apiKey
        ? undefined
        : `hooks.${reused.name} posts to the same Oso URL; the short form wires that hook and its apikey is used${key === '' ? ' (it has none: Oso will refuse the deliveries)' : ' (it differs from "apiKey")'}`;
    return { hookName: reused.name, reuses: reused.name, ...(warning === undefined ? {} : { warning }) };
  }
  if (Object.hasOwn(hooks, options.hook_name)) {
    return { field: 'hook_name', error: `hook "${options.hook_name}" is already defined in the hooks section with another url; set "hook_name" to a free name` };
  }
  return { hookName: options.hook_name, endpoint: { url: options.url, apikey: options.apiKey ?? '', authorization: 'bearer', timeout: options.timeout } };
}
