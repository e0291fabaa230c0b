import { type ConfigIssue, pointerSegment } from '@tollgate/core';
import { parseHookUrl } from './endpoint.js';
import type { HooksConfig } from './schema.js';
import { MIN_SECRET_BYTES, decodeSigningSecret } from './signer.js';

/**
 * Aperture's hook warning raised when the configuration loads, `hook X has no url configured`; an
 * error for a URL that does not parse (Aperture only warns: tollgate refuses a hook that could never
 * deliver, so that a typo cannot silently switch a guardrail off); also tollgate's checks of `signing_secret` (an error when it is
 * not base64, a warning when shorter than the spec's 24 bytes). A URL scheme other than http(s)
 * is checked when the plugin starts, once plugins had the chance to add a transport for it;
 * `send_hooks references undefined hook "X"` is the grants plugin's (it reads the grants). Also
 * warns when hooks are configured but the grants plugin, which wires them, is not loaded.
 */
export function hookConfigIssues(hooks: HooksConfig, plugins: readonly string[] = ['grants'], owner = 'plugins.webhook'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (Object.keys(hooks).length > 0 && !plugins.includes('grants')) {
    issues.push({ severity: 'warning', path: owner, message: 'plugin "grants" is not loaded: hooks fire only when another plugin wires them to requests (grants do so with send_hooks)' });
  }
  for (const [name, hook] of Object.entries(hooks)) {
    const at = `${owner}/hooks/${pointerSegment(name)}`;
    if (hook.url === '') issues.push({ severity: 'warning', path: `${at}/url`, message: `hook ${name} has no url configured` });
    else if (parseHookUrl(hook.url) === undefined) issues.push({ severity: 'error', path: `${at}/url`, message: `hook ${name} has an invalid URL (expected an absolute URL such as https://example.com/hook)` });
    if (hook.signing_secret !== undefined) {
      const key = decodeSigningSecret(hook.signing_secret);
      if (key === undefined) issues.push({ severity: 'error', path: `${at}/signing_secret`, message: 'must be "whsec_" followed by base64 (a Standard Webhooks secret)' });
      else if (key.length < MIN_SECRET_BYTES) issues.push({ severity: 'warning', path: `${at}/signing_secret`, message: `is ${key.length} bytes; Standard Webhooks recommends ${MIN_SECRET_BYTES} to 64` });
    }
  }
  return issues;
}
