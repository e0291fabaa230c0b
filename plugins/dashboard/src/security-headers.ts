/**
 * The Content-Security-Policy of every dashboard response: scripts, styles, images and API
 * calls only from the gateway itself, no inline script, no plugins, no framing, no `<base>`.
 * Everything the dashboard shows (prompts, tool arguments, model output, headers) is untrusted
 * text; the app renders it as text, and this policy is the second line of defence.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // data: for the editor's lint markers (CodeMirror draws them as data: SVG); images run no script.
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers sent with every dashboard response (assets, the page, 404s). */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});
