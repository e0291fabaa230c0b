/**
 * The seed: Tailscale's "Integrate Oso with Aperture" page. Its two configuration snippets are
 * kept here verbatim; only the hook's URL is pointed at a local stand-in for Oso.
 */

/** The seed's Oso endpoint (step 5), replaced by a local stand-in in tests. */
export const SEED_OSO_URL = 'https://api.osohq.com/api/agents/v1/model-request';

/** The seed's API key placeholder (step 5), kept as it is: the stand-in Oso expects exactly it. */
export const SEED_OSO_API_KEY = 'YOUR_OSO_API_KEY';

/** The seed's `hooks` entry (step 5), verbatim except its `url`. */
export function seedHooks(osoUrl: string): string {
  return `"hooks": { "oso": { "url": "${SEED_OSO_URL}", "apikey": "${SEED_OSO_API_KEY}" } }`.replace(SEED_OSO_URL, osoUrl);
}

/** The seed's grant (step 6), verbatim: the object inside its `"grants": [ ... ]`. */
export const SEED_GRANT =
  '{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "send_hooks": [ { "name": "oso", "events": ["tool_call_entire_request"], "send": ["user_message", "tools", "request_body", "response_body"] } ] } ] } }';

/** The Oso dashboard the "View Tool Use in Oso" button opens (the dashboard plugin's default). */
export const OSO_DASHBOARD_URL = 'https://ui.osohq.com/';

/** What `context.route` answers for Oso's dashboard: nothing leaves the machine. */
export const OSO_DASHBOARD_STUB = '<!doctype html><title>Oso (stub)</title><h1>Oso dashboard stand-in</h1>';

/**
 * A gateway config in a file, as a user would write it: the built-in mock LLM, callers on this
 * machine are admins with every model, and the default plugins, Oso's with enforcement against
 * `osoCheckUrl` (a stand-in for Oso Cloud's Check API) so that a tool call can be denied. Its
 * comments must survive a save from the dashboard.
 */
export function walkthroughConfig(osoCheckUrl: string): string {
  return `// tollgate configuration for the end-to-end walkthrough
{
  // The built-in mock LLM: it answers with a tool call whenever the request declares tools.
  "providers": {
    "mock": { "name": "Mock LLM", "baseurl": "mock://", "models": ["mock-1"] },
  },
  "grants": [
    // Callers on this machine: admins, every model.
    { "src": ["(loopback)"], "app": { "tailscale.com/cap/aperture": [ { "role": "admin" }, { "models": "**" } ] } },
  ],
  /* The default plugins, in their default order; Oso's with enforcement on, so the Tool Use
     page shows a denied call too. */
  "plugins": [
    "grants",
    "webhook",
    ["oso", { "enforce": { "url": "${osoCheckUrl}", "apiKey": "env:OSO_API_KEY" } }],
    "capture",
    "quotas",
    "metrics",
    "dashboard",
  ],
}
`;
}
