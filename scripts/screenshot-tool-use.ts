// `npm run screenshot`: docs/images/tool-use.png, the dashboard's Tool Use page with real data.
// Starts `tollgate start` (the mock LLM, three users with client keys, the default plugins with
// Oso enforcement against a local stand-in for Oso, the seed's oso hook), makes tool calls with
// the openai SDK as those users, opens /ui/tool-use in headless Chromium and saves the PNG.
// Needs `npm run build` first (the npm script does it) and Debian's chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeOso } from '@tollgate/testing';
import { launchBrowser, navLink } from '@tollgate/testing/browser';
import { REPO_ROOT, askForToolCall, openaiClient, startCliGateway, waitForCaptured } from '../test/e2e/support/gateway.js';
import { SEED_GRANT, SEED_OSO_API_KEY, seedHooks } from '../test/e2e/support/seed.js';

const OUT = join(REPO_ROOT, 'docs', 'images', 'tool-use.png');

/** Client keys of the users who make the calls. */
const USERS = {
  'key-alice': { login: 'alice@example.com', name: 'Alice Engineer' },
  'key-bob': { login: 'bob@example.com', name: 'Bob Builder' },
  'key-carol': { login: 'carol@example.com', name: 'Carol Data' },
} as const;

/** Who may call which tool (everything else is denied by Oso). */
const POLICY = [
  { actor_type: 'User', actor_id: '*', action: 'call', resource_type: 'Tool', resource_id: 'bash' },
  { actor_type: 'User', actor_id: '*', action: 'call', resource_type: 'Tool', resource_id: 'read_file' },
  { actor_type: 'User', actor_id: 'alice@example.com', action: 'call', resource_type: 'Tool', resource_id: 'write_file' },
];

/** [user key, tool, user message]: what the agents ask for. */
const CALLS: ReadonlyArray<readonly [keyof typeof USERS, string, string]> = [
  ['key-alice', 'bash', 'list the files in /tmp'],
  ['key-alice', 'read_file', 'README.md'],
  ['key-alice', 'write_file', 'notes/todo.md'],
  ['key-bob', 'bash', 'run the test suite'],
  ['key-bob', 'write_file', 'src/index.ts'],
  ['key-bob', 'read_file', 'package.json'],
  ['key-carol', 'read_file', 'data/2026-q3.csv'],
  ['key-carol', 'delete_file', 'data/2026-q2.csv'],
  ['key-carol', 'bash', 'wc -l data/*.csv'],
];

const oso = await startFakeOso({ apiKey: SEED_OSO_API_KEY, policy: POLICY });
const config = `{
  "providers": { "mock": { "name": "Mock LLM", "baseurl": "mock://", "models": ["mock-1"] } },
  "identity": { "api_keys": ${JSON.stringify(USERS)} },
  ${seedHooks(oso.modelRequestUrl)},
  "grants": [
    { "src": ["(loopback)"], "app": { "tailscale.com/cap/aperture": [ { "role": "admin" }, { "models": "**" } ] } },
    { "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "role": "user" }, { "models": "**" } ] } },
    ${SEED_GRANT},
  ],
  "plugins": ["grants", "webhook", ["oso", { "enforce": { "url": "${oso.url}", "apiKey": "env:OSO_API_KEY" } }], "capture", "quotas", "metrics", "dashboard"],
}
`;
const gateway = await startCliGateway({ config, env: { OSO_API_KEY: SEED_OSO_API_KEY } });
try {
  // One agent session per user.
  for (const [key, tool, message] of CALLS) await askForToolCall(openaiClient(gateway, key, { 'x-session-id': `${key.slice(4)}-agent-1` }), tool, message);
  await waitForCaptured(gateway, CALLS.length);
  const session = await launchBrowser(undefined, { viewport: { width: 1280, height: 900 } });
  try {
    const page = await session.newPage();
    await page.goto(`${gateway.url}/ui/`);
    await navLink(page, 'Tool Use').click();
    await page.getByRole('table', { name: 'Recent requests with tool calls' }).getByText('Carol Data').first().waitFor();
    await page.getByText('Tool use is sent to Oso through the hook').waitFor();
    mkdirSync(join(REPO_ROOT, 'docs', 'images'), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${OUT}`);
  } finally {
    await session.close();
  }
} finally {
  await gateway.stop();
  await oso.close();
}
