import assert from 'node:assert/strict';
import { type Identity, createIdentity, defaultConfig } from '@tollgate/core';
import grantsPlugin, { type EffectiveCapabilities, NO_ROLE_MESSAGE, effectiveCapabilities } from '@tollgate/plugin-grants';
import { createPluginHarness } from '@tollgate/testing';

/**
 * The grant rules of the compat spec (section 3), one row each, driven through the real
 * `onRequest` hook: src matching, roles, models globs, floating vs model-scoped objects,
 * merging, custom capabilities, and whole configs (the seed's, Aperture's default, tollgate's
 * built-in default, and Aperture's documented examples).
 */

const AP = 'tailscale.com/cap/aperture';

const PROVIDERS = {
  anthropic: { baseurl: 'mock://', models: ['claude-sonnet-4-6', 'claude-opus-4-5'] },
  openai: { baseurl: 'mock://', models: ['gpt-5', 'gpt-5-mini'] },
  'aperture-eu': { baseurl: 'mock://', models: ['qwen3-coder'] },
  // A model id with a slash: its subject is `openrouter/anthropic/claude-sonnet-4-6`.
  openrouter: { baseurl: 'mock://', models: ['anthropic/claude-sonnet-4-6'] },
};

const user = (login: string, groups: string[] = []): Identity => createIdentity({ login, groups, resolver: 'test' });
const tagged = (...tags: string[]): Identity => createIdentity({ login: [...tags].sort().join(','), tags: [...tags].sort(), resolver: 'tailscale' });
const LOOPBACK = createIdentity({ login: '(loopback)', loopback: true, resolver: 'loopback' });
const alice = user('alice@example.com');

type Grant = { src: string[]; app: Record<string, unknown[]> };
const grant = (src: string[], ...caps: Record<string, unknown>[]): Grant => ({ src, app: { [AP]: caps } });
const USER_ALL = (src: string[]): Grant => grant(src, { role: 'user' }, { models: '**' });

interface Row {
  readonly name: string;
  readonly grants: readonly unknown[];
  readonly groups?: Record<string, string[]>;
  readonly providers?: Record<string, unknown>;
  readonly hooks?: Record<string, unknown>;
  readonly who: Identity;
  readonly model: string;
  readonly expect: 'allow' | 'no-role' | 'not-found';
  readonly role?: 'admin' | 'user';
  /** Expected hook wiring: name → [events, send], sorted. */
  readonly wiring?: Record<string, [string[], string[]]>;
  readonly quotas?: string[];
  readonly headers?: Array<[string, string]>;
  readonly custom?: Record<string, unknown[]>;
  readonly matched?: number[];
}

const SEED_GRANT = {
  src: ['*'],
  app: { [AP]: [{ send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['user_message', 'tools', 'request_body', 'response_body'] }] }] },
};
const OSO_HOOKS = { oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k' } };
const OSO_WIRING: Record<string, [string[], string[]]> = { oso: [['tool_call_entire_request'], ['request_body', 'response_body', 'tools', 'user_message']] };

/** Aperture's default configuration, as its configuration reference prints it. */
function apertureDefault(osoSrc: string[] = []): { providers: Record<string, unknown>; grants: unknown[]; hooks: Record<string, unknown> } {
  return {
    grants: [
      grant(['example-user@example.com', '*'], { role: 'admin' }),
      grant(['*'], { role: 'user' }),
      grant(['*'], { models: '**' }),
      { src: osoSrc, app: { [AP]: [{ send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['user_message', 'tools', 'request_body', 'response_body'] }] }] } },
    ],
    providers: {
      openai: { baseurl: 'mock://', name: 'OpenAI', apikey: 'x', models: ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-nano', 'gpt-5.1-codex', 'gpt-5.1-codex-max'] },
      anthropic: { baseurl: 'mock://', name: 'Anthropic', apikey: 'x', models: ['claude-sonnet-4-6', 'claude-sonnet-4-6-20250929', 'claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'claude-opus-4-5', 'claude-opus-4-5-20251101'] },
    },
    hooks: OSO_HOOKS,
  };
}

const ROWS: Row[] = [
  // --- src ---------------------------------------------------------------------------------
  { name: 'src "*" matches any caller', grants: [USER_ALL(['*'])], who: user('zed@elsewhere.org'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'src "*" matches a tagged device', grants: [USER_ALL(['*'])], who: tagged('tag:ci'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'src "*" matches the loopback identity', grants: [USER_ALL(['*'])], who: LOOPBACK, model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a login matches exactly that login', grants: [USER_ALL(['alice@example.com'])], who: alice, model: 'gpt-5', expect: 'allow', role: 'user', matched: [0] },
  { name: 'a login does not match another login', grants: [USER_ALL(['alice@example.com'])], who: user('bob@example.com'), model: 'gpt-5', expect: 'no-role', matched: [] },
  { name: 'login matching is exact (case)', grants: [USER_ALL(['Alice@example.com'])], who: alice, model: 'gpt-5', expect: 'no-role' },
  { name: 'login matching is exact (no prefix match)', grants: [USER_ALL(['alice@example.co'])], who: alice, model: 'gpt-5', expect: 'no-role' },
  { name: 'group: from the config matches a member', grants: [USER_ALL(['group:eng'])], groups: { 'group:eng': ['alice@example.com'] }, who: alice, model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'group: from the config does not match a non-member', grants: [USER_ALL(['group:eng'])], groups: { 'group:eng': ['alice@example.com'] }, who: user('bob@example.com'), model: 'gpt-5', expect: 'no-role' },
  { name: 'group: reported by the identity resolver matches', grants: [USER_ALL(['group:eng'])], who: user('carol@example.com', ['group:eng']), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'group: the identity is not in does not match', grants: [USER_ALL(['group:eng'])], who: user('carol@example.com', ['group:sales']), model: 'gpt-5', expect: 'no-role' },
  { name: 'a config group lists tag identities too', grants: [USER_ALL(['group:bots'])], groups: { 'group:bots': ['tag:ci'] }, who: tagged('tag:ci'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a group email matches when the identity lists it', grants: [USER_ALL(['engineering@example.com'])], who: user('dave@example.com', ['engineering@example.com']), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a group email does not match without membership', grants: [USER_ALL(['engineering@example.com'])], who: user('dave@example.com'), model: 'gpt-5', expect: 'no-role' },
  { name: 'a tag matches a device tagged with exactly it', grants: [USER_ALL(['tag:ci'])], who: tagged('tag:ci'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a tag combination matches the sorted tag set', grants: [USER_ALL(['tag:api,tag:prod'])], who: tagged('tag:prod', 'tag:api'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a tag combination written unsorted still matches', grants: [USER_ALL(['tag:prod,tag:api'])], who: tagged('tag:api', 'tag:prod'), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a single tag does not match a device with more tags (exact)', grants: [USER_ALL(['tag:api'])], who: tagged('tag:api', 'tag:prod'), model: 'gpt-5', expect: 'no-role' },
  { name: 'a tag combination does not match a device with fewer tags', grants: [USER_ALL(['tag:api,tag:prod'])], who: tagged('tag:api'), model: 'gpt-5', expect: 'no-role' },
  { name: 'a tag matches an API-key identity carrying that tag', grants: [USER_ALL(['tag:ci'])], who: createIdentity({ login: 'ci-bot', tags: ['tag:ci'], resolver: 'api-keys' }), model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'a tag does not match a user whose groups mention it', grants: [USER_ALL(['tag:ci'])], who: user('eve@example.com', ['tag:ci']), model: 'gpt-5', expect: 'no-role' },
  { name: '(loopback) matches the loopback identity', grants: [USER_ALL(['(loopback)'])], who: LOOPBACK, model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: '(loopback) does not match a remote user', grants: [USER_ALL(['(loopback)'])], who: alice, model: 'gpt-5', expect: 'no-role' },
  { name: '(loopback) does not match a non-loopback identity named "(loopback)"', grants: [USER_ALL(['(loopback)'])], who: user('(loopback)'), model: 'gpt-5', expect: 'no-role' },
  { name: 'an empty src matches nobody', grants: [USER_ALL([])], who: alice, model: 'gpt-5', expect: 'no-role' },

  // --- roles --------------------------------------------------------------------------------
  { name: 'deny by default: no grants, no role', grants: [], who: alice, model: 'gpt-5', expect: 'no-role' },
  { name: 'models without a role is refused with 403', grants: [grant(['*'], { models: '**' })], who: alice, model: 'gpt-5', expect: 'no-role' },
  { name: 'role user', grants: [USER_ALL(['*'])], who: alice, model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: 'admin beats user across grants', grants: [USER_ALL(['*']), grant(['alice@example.com'], { role: 'admin' })], who: alice, model: 'gpt-5', expect: 'allow', role: 'admin', matched: [0, 1] },
  { name: 'admin beats user whatever the order', grants: [grant(['alice@example.com'], { role: 'admin' }), USER_ALL(['*'])], who: alice, model: 'gpt-5', expect: 'allow', role: 'admin' },
  { name: 'a role alone grants no model (404)', grants: [grant(['*'], { role: 'admin' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: 'a role in a model-scoped object still counts for the caller', grants: [grant(['*'], { role: 'user', models: 'anthropic/**' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: 'a role in a model-scoped object, matching model', grants: [grant(['*'], { role: 'user', models: 'anthropic/**' })], who: alice, model: 'claude-opus-4-5', expect: 'allow', role: 'user' },

  // --- models globs -------------------------------------------------------------------------
  { name: '"**" grants every model', grants: [USER_ALL(['*'])], who: alice, model: 'anthropic/claude-sonnet-4-6', expect: 'allow', role: 'user' },
  { name: '"anthropic/**" grants anthropic models', grants: [grant(['*'], { role: 'user' }, { models: 'anthropic/**' })], who: alice, model: 'claude-opus-4-5', expect: 'allow', role: 'user' },
  { name: '"anthropic/**" does not grant openai models', grants: [grant(['*'], { role: 'user' }, { models: 'anthropic/**' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: '"openai/gpt-5" grants exactly openai/gpt-5', grants: [grant(['*'], { role: 'user' }, { models: 'openai/gpt-5' })], who: alice, model: 'gpt-5', expect: 'allow', role: 'user' },
  { name: '"openai/gpt-5" does not grant gpt-5-mini', grants: [grant(['*'], { role: 'user' }, { models: 'openai/gpt-5' })], who: alice, model: 'gpt-5-mini', expect: 'not-found' },
  { name: '"*/claude-sonnet*" grants a sonnet of any single provider', grants: [grant(['*'], { role: 'user' }, { models: '*/claude-sonnet*' })], who: alice, model: 'claude-sonnet-4-6', expect: 'allow', role: 'user' },
  { name: '"*/claude-sonnet*" does not grant opus', grants: [grant(['*'], { role: 'user' }, { models: '*/claude-sonnet*' })], who: alice, model: 'claude-opus-4-5', expect: 'not-found' },
  { name: '"*" does not cross a "/" (openrouter/anthropic/...)', grants: [grant(['*'], { role: 'user' }, { models: '*/claude-sonnet*' })], who: alice, model: 'anthropic/claude-sonnet-4-6', expect: 'not-found' },
  { name: '"openrouter/*" does not grant a model id with a slash', grants: [grant(['*'], { role: 'user' }, { models: 'openrouter/*' })], who: alice, model: 'anthropic/claude-sonnet-4-6', expect: 'not-found' },
  { name: '"openrouter/**" grants a model id with a slash', grants: [grant(['*'], { role: 'user' }, { models: 'openrouter/**' })], who: alice, model: 'anthropic/claude-sonnet-4-6', expect: 'allow', role: 'user' },
  { name: '"**/claude-sonnet*" grants sonnet at any depth', grants: [grant(['*'], { role: 'user' }, { models: '**/claude-sonnet*' })], who: alice, model: 'anthropic/claude-sonnet-4-6', expect: 'allow', role: 'user' },
  { name: '"aperture-*/**" grants providers named aperture-*', grants: [grant(['*'], { role: 'user' }, { models: 'aperture-*/**' })], who: alice, model: 'qwen3-coder', expect: 'allow', role: 'user' },
  { name: '"aperture-*/**" does not grant other providers', grants: [grant(['*'], { role: 'user' }, { models: 'aperture-*/**' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: 'globs are case-sensitive', grants: [grant(['*'], { role: 'user' }, { models: 'OpenAI/**' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: 'a bare model name (no provider) grants nothing', grants: [grant(['*'], { role: 'user' }, { models: 'gpt-5' })], who: alice, model: 'gpt-5', expect: 'not-found' },
  { name: 'model access is the union of grants', grants: [grant(['*'], { role: 'user' }, { models: 'anthropic/**' }), grant(['alice@example.com'], { models: 'openai/gpt-5' })], who: alice, model: 'gpt-5', expect: 'allow', role: 'user', matched: [0, 1] },
  { name: 'another caller does not get that union', grants: [grant(['*'], { role: 'user' }, { models: 'anthropic/**' }), grant(['alice@example.com'], { models: 'openai/gpt-5' })], who: user('bob@example.com'), model: 'gpt-5', expect: 'not-found', matched: [0] },

  // --- floating vs model-scoped, merging ------------------------------------------------------
  {
    name: 'floating send_hooks apply to every model',
    grants: [USER_ALL(['*']), grant(['*'], { send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['user_message'] }] })],
    hooks: { audit: { url: 'http://127.0.0.1:9/a' } },
    who: alice,
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    wiring: { audit: [['entire_request'], ['user_message']] },
  },
  {
    name: 'model-scoped send_hooks apply when the model matches',
    grants: [USER_ALL(['*']), grant(['*'], { models: 'anthropic/**', send_hooks: [{ name: 'guard', events: ['pre_request'], send: ['request_body'] }] })],
    hooks: { guard: { url: 'http://127.0.0.1:9/g' } },
    who: alice,
    model: 'claude-opus-4-5',
    expect: 'allow',
    role: 'user',
    wiring: { guard: [['pre_request'], ['request_body']] },
  },
  {
    name: 'model-scoped send_hooks do not apply to other models',
    grants: [USER_ALL(['*']), grant(['*'], { models: 'anthropic/**', send_hooks: [{ name: 'guard', events: ['pre_request'], send: ['request_body'] }] })],
    hooks: { guard: { url: 'http://127.0.0.1:9/g' } },
    who: alice,
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    wiring: {},
  },
  {
    name: 'one hook in several objects fires once with merged events and send',
    grants: [
      USER_ALL(['*']),
      grant(['*'], { send_hooks: [{ name: 'oso', events: ['entire_request'], send: ['tools'] }] }),
      grant(['alice@example.com'], { models: 'openai/**', send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['tools', 'request_body'] }] }),
    ],
    hooks: OSO_HOOKS,
    who: alice,
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    wiring: { oso: [['entire_request', 'tool_call_entire_request'], ['request_body', 'tools']] },
  },
  {
    name: 'a hook is wired only for the callers of its grant',
    grants: [USER_ALL(['*']), grant(['alice@example.com'], { send_hooks: [{ name: 'oso', events: ['entire_request'], send: ['tools'] }] })],
    hooks: OSO_HOOKS,
    who: user('bob@example.com'),
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    wiring: {},
  },
  {
    name: 'quotas: floating always, scoped when matching, each bucket once',
    grants: [grant(['*'], { role: 'user' }, { models: '**', quotas: [{ bucket: 'daily:<user>' }] }, { models: '*/claude-opus*', quotas: [{ bucket: 'opus:<user>' }, { bucket: 'daily:<user>' }] }, { quotas: [{ bucket: 'org' }] })],
    who: alice,
    model: 'claude-opus-4-5',
    expect: 'allow',
    role: 'user',
    quotas: ['org', 'daily:<user>', 'opus:<user>'],
  },
  {
    name: 'quotas scoped to opus do not apply to sonnet',
    grants: [grant(['*'], { role: 'user' }, { models: '**' }, { models: '*/claude-opus*', quotas: [{ bucket: 'opus:<user>' }] })],
    who: alice,
    model: 'claude-sonnet-4-6',
    expect: 'allow',
    role: 'user',
    quotas: [],
  },
  {
    name: 'add_headers: floating always, scoped when matching',
    grants: [grant(['*'], { role: 'user', add_headers: ['X-Team: eng'] }, { models: '**' }, { models: 'anthropic/**', add_headers: ['X-Tier: premium'] }, { models: 'openai/**', add_headers: ['X-Other: no'] })],
    who: alice,
    model: 'claude-sonnet-4-6',
    expect: 'allow',
    role: 'user',
    headers: [
      ['x-team', 'eng'],
      ['x-tier', 'premium'],
    ],
  },
  {
    name: 'custom capabilities are merged over the matching grants only',
    grants: [
      { src: ['*'], app: { [AP]: [{ role: 'user' }, { models: '**' }], 'mycompany.com/cap/policy': [{ tier: 'enterprise' }] } },
      { src: ['alice@example.com'], app: { 'mycompany.com/cap/policy': [{ department: 'engineering', max_context: 200000 }] } },
      { src: ['bob@example.com'], app: { 'other.example/cap/x': [{ x: 1 }] } },
    ],
    who: alice,
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    custom: { 'mycompany.com/cap/policy': [{ tier: 'enterprise' }, { department: 'engineering', max_context: 200000 }] },
    matched: [0, 1],
  },

  // --- whole configs ------------------------------------------------------------------------
  { name: "the seed's config alone: the oso hook is wired but no role is granted", grants: [SEED_GRANT], hooks: OSO_HOOKS, who: alice, model: 'gpt-5', expect: 'no-role', wiring: OSO_WIRING },
  { name: "Aperture's default config: everyone is admin with every model, no hook", ...apertureDefault(), who: alice, model: 'gpt-5', expect: 'allow', role: 'admin', wiring: {}, matched: [0, 1, 2] },
  { name: "Aperture's default config: a tagged device too", ...apertureDefault(), who: tagged('tag:ci'), model: 'claude-opus-4-5', expect: 'allow', role: 'admin', wiring: {} },
  { name: "Aperture's default config: example-user@example.com is admin", ...apertureDefault(), who: user('example-user@example.com'), model: 'claude-sonnet-4-6', expect: 'allow', role: 'admin' },
  { name: "Aperture's default config with the seed's src: oso wired for everyone", ...apertureDefault(['*']), who: alice, model: 'claude-haiku-4-5', expect: 'allow', role: 'admin', wiring: OSO_WIRING, matched: [0, 1, 2, 3] },
  {
    name: "Aperture's complete example: a user gets both quotas and no hook",
    grants: [
      grant(['*'], { role: 'user' }, { models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'org-monthly' }] }),
      grant(['admin@company.com'], { role: 'admin' }, { models: '**', send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['tools', 'estimated_cost'] }] }),
    ],
    hooks: OSO_HOOKS,
    who: user('someone@company.com'),
    model: 'gpt-5',
    expect: 'allow',
    role: 'user',
    quotas: ['daily:<user>', 'org-monthly'],
    wiring: {},
  },
  {
    name: "Aperture's complete example: the admin gets the oso hook",
    grants: [
      grant(['*'], { role: 'user' }, { models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'org-monthly' }] }),
      grant(['admin@company.com'], { role: 'admin' }, { models: '**', send_hooks: [{ name: 'oso', events: ['tool_call_entire_request'], send: ['tools', 'estimated_cost'] }] }),
    ],
    hooks: OSO_HOOKS,
    who: user('admin@company.com'),
    model: 'gpt-5',
    expect: 'allow',
    role: 'admin',
    quotas: ['daily:<user>', 'org-monthly'],
    wiring: { oso: [['tool_call_entire_request'], ['estimated_cost', 'tools']] },
  },
  { name: "tollgate's built-in default config: (loopback) is admin with every model", grants: defaultConfig().grants as unknown[], providers: defaultConfig().providers as Record<string, unknown>, who: LOOPBACK, model: 'mock-1', expect: 'allow', role: 'admin' },
  { name: "tollgate's built-in default config: a remote caller has no role", grants: defaultConfig().grants as unknown[], providers: defaultConfig().providers as Record<string, unknown>, who: alice, model: 'mock-1', expect: 'no-role' },
];

function wiringOf(caps: EffectiveCapabilities): Record<string, [string[], string[]]> {
  return Object.fromEntries([...caps.hooks].map(([name, w]) => [name, [[...w.events].sort(), [...w.send].sort()]]));
}

describe('grant rules (compat spec section 3), through onRequest', () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const config: Record<string, unknown> = { providers: row.providers ?? PROVIDERS, grants: row.grants };
      if (row.groups !== undefined) config.groups = row.groups;
      if (row.hooks !== undefined) config.hooks = row.hooks;
      const h = await createPluginHarness({ config, plugins: [grantsPlugin] });
      try {
        const ctx = h.request({ identity: row.who, model: row.model });
        const denial = await h.onRequest(ctx);
        const caps = effectiveCapabilities(ctx);
        assert.ok(caps !== undefined, 'effective capabilities are published even for a refusal');
        assert.equal(caps.model, `${ctx.provider.id}/${ctx.model}`);
        const decision = ctx.decisions.find((d) => d.plugin === 'grants');
        assert.ok(decision !== undefined, 'the grant decision is recorded');
        if (row.expect === 'allow') {
          assert.equal(denial, undefined, `expected allow, got ${JSON.stringify(denial)}`);
          assert.equal(caps.role, row.role);
          assert.equal(caps.modelAllowed, true);
          assert.deepEqual([decision.allowed, decision.reason], [true, `role ${row.role}`]);
        } else if (row.expect === 'no-role') {
          assert.deepEqual([denial?.status, denial?.kind, denial?.message], [403, 'permission', NO_ROLE_MESSAGE]);
          assert.equal(caps.role, undefined);
          assert.deepEqual([decision.allowed, decision.reason], [false, 'no role granted']);
        } else {
          assert.deepEqual([denial?.status, denial?.kind, denial?.code], [404, 'not_found', 'model_not_granted']);
          assert.equal(denial?.message, `model "${row.model}" may exist but is not granted to ${ctx.identity.login}`);
          assert.equal(caps.modelAllowed, false);
          assert.equal(decision.allowed, false);
        }
        if (row.wiring !== undefined) assert.deepEqual(wiringOf(caps), row.wiring);
        if (row.quotas !== undefined) assert.deepEqual(caps.quotas.map((q) => q.bucket), row.quotas);
        if (row.headers !== undefined) {
          assert.deepEqual(caps.addHeaders, row.headers);
          assert.deepEqual(ctx.upstreamHeaders, row.headers, 'granted headers go upstream');
        }
        if (row.expect !== 'allow') assert.deepEqual(ctx.upstreamHeaders, [], 'a refused request adds no header');
        if (row.custom !== undefined) assert.deepEqual(caps.custom, row.custom);
        if (row.matched !== undefined) assert.deepEqual(caps.matchedGrants, row.matched);
      } finally {
        await h.close();
      }
    });
  }
});
