/** Host names of Oso's hosted service. */
const OSO_HOST = /(^|\.)osohq\.com$/i;

/** A plain object, or undefined. */
function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** True when `url` is an http(s) URL on Oso's hosted service. */
function isOsoUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && OSO_HOST.test(u.hostname);
  } catch {
    return false;
  }
}

/**
 * The name of the hook that sends tool use to Oso in a configuration, or `null`:
 * - a `hooks` entry (not disabled) posting to `*.osohq.com` (the seed's `hooks.oso`), else one
 *   named `oso`;
 * - else the Oso plugin's short form (`["oso", {"apiKey": ...}]` with telemetry on), whose
 *   hook is named by its `hook_name` option (default `oso`).
 */
export function osoHookName(config: Readonly<Record<string, unknown>>): string | null {
  const hooks = Object.entries(record(config.hooks) ?? {}).filter(([, h]) => record(h) !== undefined && record(h)?.disabled !== true);
  const byUrl = hooks.find(([, h]) => isOsoUrl(record(h)?.url));
  if (byUrl !== undefined) return byUrl[0];
  if (hooks.some(([name]) => name === 'oso')) return 'oso';
  const plugins = Array.isArray(config.plugins) ? (config.plugins as unknown[]) : [];
  for (const entry of plugins) {
    if (!Array.isArray(entry) || entry[0] !== 'oso') continue;
    const options = record(entry[1]);
    if (options?.apiKey !== undefined && options.telemetry !== false) return typeof options.hook_name === 'string' ? options.hook_name : 'oso';
  }
  return null;
}
