import assert from 'node:assert/strict';
import { createIdentity } from '@tollgate/core';
import { ToolPolicy, compileToolGlob, userMatches } from 'tollgate-plugin-tool-allowlist';

const alice = createIdentity({ login: 'alice@example.com', resolver: 'test', groups: ['group:eng'] });
const bob = createIdentity({ login: 'bob@example.com', resolver: 'test' });
const ci = createIdentity({ login: 'tag:ci', resolver: 'test', tags: ['tag:ci'] });
const local = createIdentity({ login: '(loopback)', resolver: 'loopback', loopback: true });

describe('ToolPolicy', () => {
  it('lets the first rule that applies to the caller and names the tool decide, deny before allow', () => {
    const policy = new ToolPolicy({
      default: 'allow',
      rules: [
        { users: ['group:admins'], allow: ['*'] },
        { users: ['*'], deny: ['bash', 'delete_*'], allow: ['delete_draft'] },
      ],
    }, { 'group:admins': ['bob@example.com'] });
    assert.deepEqual(policy.decide(bob, 'bash'), { allowed: true, rule: 0, reason: 'rule 0 allows "*"' });
    assert.deepEqual(policy.decide(alice, 'bash'), { allowed: false, rule: 1, reason: 'rule 1 denies "bash"' });
    assert.equal(policy.decide(alice, 'delete_draft').allowed, false, 'deny wins within a rule');
    assert.deepEqual(policy.decide(alice, 'read_file'), { allowed: true, reason: 'no rule names it; default allow' });
  });

  it('works as an allowlist with default deny', () => {
    const policy = new ToolPolicy({ default: 'deny', rules: [{ users: ['group:eng'], allow: ['read_*', 'search'] }, { users: ['tag:ci'], allow: ['run_tests'] }] });
    assert.equal(policy.decide(alice, 'read_file').allowed, true);
    assert.equal(policy.decide(alice, 'search').allowed, true);
    assert.equal(policy.decide(alice, 'searches').allowed, false);
    assert.equal(policy.decide(alice, 'run_tests').allowed, false);
    assert.equal(policy.decide(ci, 'run_tests').allowed, true);
    assert.deepEqual(policy.decide(bob, 'read_file'), { allowed: false, reason: 'no rule names it; default deny' });
  });
});

describe('compileToolGlob and userMatches', () => {
  it('globs: * any run, ? one character, the rest literal and case-sensitive', () => {
    assert.ok(compileToolGlob('fs.*').test('fs.read'));
    assert.ok(!compileToolGlob('fs.*').test('fsxread'));
    assert.ok(compileToolGlob('get_?').test('get_a'));
    assert.ok(!compileToolGlob('get_?').test('get_ab'));
    assert.ok(!compileToolGlob('Bash').test('bash'));
    assert.ok(compileToolGlob('a+b(c)').test('a+b(c)'));
  });

  it('users: *, logins, groups (identity or config), tags and (loopback)', () => {
    assert.ok(userMatches('*', local));
    assert.ok(userMatches('alice@example.com', alice));
    assert.ok(!userMatches('alice@example.com', bob));
    assert.ok(userMatches('group:eng', alice));
    assert.ok(userMatches('group:ops', bob, { 'group:ops': ['bob@example.com'] }));
    assert.ok(userMatches('tag:ci', ci));
    assert.ok(userMatches('(loopback)', local));
    assert.ok(!userMatches('(loopback)', createIdentity({ login: '(loopback)', resolver: 'api-keys' })), 'only the loopback identity');
  });
});
