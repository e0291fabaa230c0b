import { type ConfigIssue, pointerSegment } from './config-issue.js';
import type { SecretRegistry } from './secret-registry.js';

/** Prefix of a string value read from the environment. */
export const ENV_PREFIX = 'env:';

/** Property names whose string values are secrets even when written literally. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['apikey', 'api_key', 'apiKey', 'signing_secret', 'signingSecret', 'secret', 'token', 'password']);

/** Object paths (as `/a/b`) whose keys are secrets (client API keys mapped to identities). */
export const SECRET_KEY_MAPS: ReadonlySet<string> = new Set(['/identity/api_keys']);

/**
 * Replaces every string `"env:NAME"` (values, and keys of secret maps such as
 * `identity.api_keys`) with the variable's value. A missing variable is an error naming the
 * variable and the path. Every value read from the environment, and every literal value of a
 * secret field, is registered in `secrets`. `keyLabels` receives, for each key of a secret map,
 * the pointer under its resolved key and the pointer messages use instead (`env:NAME`, or
 * `<key #2>` for a literal key).
 */
export function resolveEnvRefs(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  secrets: SecretRegistry,
  issues: ConfigIssue[],
  pointer = '',
  field = '',
  keyLabels?: Map<string, string>,
): unknown {
  if (typeof value === 'string') {
    if (value.startsWith(ENV_PREFIX)) {
      const name = value.slice(ENV_PREFIX.length);
      const resolved = env[name];
      if (resolved === undefined) {
        issues.push({ severity: 'error', path: `config${pointer}`, message: `environment variable ${name} is not set` });
        return '';
      }
      secrets.add(resolved);
      return resolved;
    }
    if (SECRET_FIELDS.has(field)) secrets.add(value);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveEnvRefs(item, env, secrets, issues, `${pointer}/${i}`, field, keyLabels));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const keysAreSecret = SECRET_KEY_MAPS.has(pointer);
    let position = 0;
    for (const [k, v] of Object.entries(value)) {
      let key = k;
      let segment = pointerSegment(k);
      if (keysAreSecret) {
        // Paths name a client key by its env: reference, or by its position: never by the key.
        position++;
        segment = k.startsWith(ENV_PREFIX) ? pointerSegment(k) : `<key #${position}>`;
        key = resolveEnvRefs(k, env, secrets, issues, `${pointer}/${segment}`, 'apikey') as string;
        keyLabels?.set(`${pointer}/${pointerSegment(key)}`, `${pointer}/${segment}`);
      }
      out[key] = resolveEnvRefs(v, env, secrets, issues, `${pointer}/${segment}`, k, keyLabels);
    }
    return out;
  }
  return value;
}
