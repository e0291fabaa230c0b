import assert from 'node:assert/strict';
import { ConfigError, type ConfigIssue, prepareConfig } from '@tollgate/core';
import grantsPlugin from '@tollgate/plugin-grants';

const AP = 'tailscale.com/cap/aperture';
const PROVIDERS = {
  openai: { baseurl: 'mock://', models: ['gpt-5'] },
  'aperture-eu': { baseurl: 'mock://', models: ['qwen3-coder'] },
};
const ADMIN = { src: ['admin@example.com'], app: { [AP]: [{ role: 'admin' }, { models: '**' }] } };

/** Warnings the grants plugin (and the schema it owns) reported, as `path: message`. */
async function grantIssues(config: Record<string, unknown>): Promise<string[]> {
  const prepared = await prepareConfig({ raw: { providers: PROVIDERS, ...config }, plugins: [grantsPlugin], env: {} });
  return prepared.warnings.filter((w: ConfigIssue) => w.path.startsWith('plugins.grants')).map((w) => `${w.path}: ${w.message}`);
}

describe('grants load-time warnings (Aperture texts)', () => {
  it('warns about a send_hooks entry naming an undefined hook, and not about a defined one', async () => {
    const issues = await grantIssues({
      hooks: { oso: { url: 'https://api.osohq.com/api/agents/v1/model-request' } },
      grants: [ADMIN, { src: ['*'], app: { [AP]: [{ send_hooks: [{ name: 'oso', events: ['entire_request'], send: ['tools'] }, { name: 'x', events: ['entire_request'], send: [] }] }] } }],
    });
    assert.deepEqual(issues, [`plugins.grants/grants/1/app/tailscale.com~1cap~1aperture/0/send_hooks/1/name: send_hooks references undefined hook "x"`]);
  });

  it('warns about a models pattern whose provider matches no declared provider', async () => {
    const issues = await grantIssues({
      grants: [ADMIN, { src: ['*'], app: { [AP]: [{ models: 'anthropic/**' }, { models: 'openai/gpt-5' }, { models: 'aperture-*/**' }, { models: '*/gpt-5' }, { models: '**/x' }, { models: 'gpt-5' }] } }],
    });
    assert.deepEqual(issues, [
      'plugins.grants/grants/1/app/tailscale.com~1cap~1aperture/0/models: models pattern "anthropic/**" references provider "anthropic" which does not match any declared provider',
      'plugins.grants/grants/1/app/tailscale.com~1cap~1aperture/5/models: models pattern "gpt-5" references provider "gpt-5" which does not match any declared provider',
    ]);
  });

  it('warns when no grant assigns the admin role', async () => {
    const issues = await grantIssues({ grants: [{ src: ['*'], app: { [AP]: [{ role: 'user' }, { models: '**' }] } }] });
    assert.deepEqual(issues, ['plugins.grants/grants: no grant in grants or temp_grants assigns role:admin; nobody will be able to manage this instance']);
  });

  it('warns when providers are configured but there are no grants (and no admin)', async () => {
    assert.deepEqual(await grantIssues({}), [
      'plugins.grants/grants: providers are configured but no grants or temp_grants defined; all access will be denied',
      'plugins.grants/grants: no grant in grants or temp_grants assigns role:admin; nobody will be able to manage this instance',
    ]);
  });

  it('warns about unknown capability fields and unknown grant fields, and still loads', async () => {
    const issues = await grantIssues({ grants: [{ src: ['*'], dst: ['tag:aperture'], app: { [AP]: [{ role: 'admin', modles: '**' }, { models: '**', read_metrics: true, enable_chat_ui: true, mcp_tools: 'local/*' }] } }] });
    assert.deepEqual(issues.sort(), ['plugins.grants/grants/0/app/tailscale.com~1cap~1aperture/0/modles: unknown config key "modles"; did you mean "models"?', 'plugins.grants/grants/0/dst: unknown config key "dst"']);
  });

  it('warns about malformed grant add_headers, unknown events and send values, and hooks without events', async () => {
    const issues = await grantIssues({
      hooks: { h: { url: 'http://127.0.0.1:9/' } },
      grants: [ADMIN, { src: ['*'], app: { [AP]: [{ add_headers: ['X-Ok: 1', 'Bad-Entry', 'X-Inject: a\r\nb'], send_hooks: [{ name: 'h', events: ['post_request'], send: ['tools', 'everything'] }, { name: 'h', send: ['tools'] }] }] } }],
    });
    const base = 'plugins.grants/grants/1/app/tailscale.com~1cap~1aperture/0';
    assert.deepEqual(issues, [
      `${base}/send_hooks/0/events/0: unknown hook event "post_request" (expected one of pre_request, entire_request, tool_call_entire_request)`,
      `${base}/send_hooks/0/send/1: unknown send value "everything" (expected one of user_message, request_body, response_body, raw_responses, tools, estimated_cost, grants, quotas)`,
      `${base}/send_hooks/1/events: send_hooks entry for hook "h" lists no events; it never fires`,
      `${base}/add_headers/1: add_headers entry must be in "Header-Name: value" format: malformed header line (expected "Name: value"); ignored`,
      `${base}/add_headers/2: add_headers entry must be in "Header-Name: value" format: header "X-Inject" has a value with control characters (CR, LF, NUL); ignored`,
    ]);
  });

  it('warns about quota buckets that are not defined or use unknown templates', async () => {
    const issues = await grantIssues({
      quotas: { 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' } },
      grants: [ADMIN, { src: ['*'], app: { [AP]: [{ models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'team:<usr>' }] }] } }],
    });
    const base = 'plugins.grants/grants/1/app/tailscale.com~1cap~1aperture/0/quotas/1/bucket';
    assert.deepEqual(issues, [`${base}: quotas references undefined quota "team:<usr>"`, `${base}: bucket ref "team:<usr>" has unsupported template "<usr>" (supported: <user>, <node>)`]);
  });

  it('warns about malformed tag combinations and look-alike Tailscale capability names', async () => {
    const issues = await grantIssues({ grants: [ADMIN, { src: ['tag:a,b', 'tag:ok,tag:fine'], app: { 'tailscale.com/cap/apperture': [{ role: 'user' }] } }] });
    assert.deepEqual(issues, [
      'plugins.grants/grants/1/src/0: "tag:a,b" is not a valid tag or tag combination (expected "tag:a" or "tag:a,tag:b")',
      'plugins.grants/grants/1/app/tailscale.com~1cap~1apperture: unknown Tailscale capability "tailscale.com/cap/apperture" is treated as a custom capability (did you mean "tailscale.com/cap/aperture"?)',
    ]);
  });

  it('refuses group names without the group: prefix and warns about nested groups', async () => {
    await assert.rejects(
      prepareConfig({ raw: { providers: PROVIDERS, grants: [ADMIN], groups: { eng: ['alice@example.com'], 'group:all': ['group:eng', 'bob@example.com'] } }, plugins: [grantsPlugin], env: {} }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const lines = err.issues.map((i) => `${i.severity} ${i.path}: ${i.message}`);
        assert.ok(lines.includes('error plugins.grants/groups/eng: group names start with "group:" (write "group:eng")'), lines.join('\n'));
        assert.ok(lines.includes('warning plugins.grants/groups/group:all/0: "group:eng": groups cannot contain groups; this member never matches'), lines.join('\n'));
        return true;
      },
    );
  });

  it('rejects type errors (fail closed): a models array, an unknown role', async () => {
    await assert.rejects(prepareConfig({ raw: { providers: PROVIDERS, grants: [{ src: ['*'], app: { [AP]: [{ role: 'owner' }, { models: ['**'] }] } }] }, plugins: [grantsPlugin], env: {} }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const paths = err.issues.filter((i) => i.severity === 'error').map((i) => i.path);
      assert.deepEqual(paths.sort(), ['plugins.grants/grants/0/app/tailscale.com~1cap~1aperture/0/role', 'plugins.grants/grants/0/app/tailscale.com~1cap~1aperture/1/models']);
      return true;
    });
  });

  it("Aperture's default config (with the seed's oso grant) loads without a grant warning", async () => {
    const issues = await grantIssues({
      hooks: { oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k' } },
      providers: { openai: { baseurl: 'mock://', models: ['gpt-5'] }, anthropic: { baseurl: 'mock://', models: ['claude-sonnet-4-6'] } },
      grants: [
        { src: ['example-user@example.com', '*'], app: { [AP]: [{ role: 'admin' }] } },
        { src: ['*'], app: { [AP]: [{ role: 'user' }] } },
        { src: ['*'], app: { [AP]: [{ models: '**' }] } },
        { src: ['*'], app: { [AP]: [{ send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['user_message', 'tools', 'request_body', 'response_body'] }] }] } },
      ],
    });
    assert.deepEqual(issues, []);
  });
});
