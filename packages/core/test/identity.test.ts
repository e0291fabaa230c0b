import assert from 'node:assert/strict';
import { ApiKeyResolver, clientCredential, isLoopbackAddress, normalizeAddress } from '@tollgate/core/internal';

describe('identity', () => {
  it('reads the client credential from every supported place', () => {
    assert.equal(clientCredential({ authorization: 'Bearer  k1 ' }), 'k1');
    assert.equal(clientCredential({ authorization: 'bearer k1' }), 'k1');
    assert.equal(clientCredential({ authorization: 'Token k1' }), 'k1');
    assert.equal(clientCredential({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
    assert.equal(clientCredential({ 'x-api-key': ' k2 ' }), 'k2');
    assert.equal(clientCredential({ 'x-goog-api-key': 'k3' }), 'k3');
    assert.equal(clientCredential({ 'api-key': 'k4' }), 'k4');
    assert.equal(clientCredential({}, new URLSearchParams('key=k5')), 'k5');
    assert.equal(clientCredential({ authorization: 'Bearer first', 'x-api-key': 'second' }), 'first');
    assert.equal(clientCredential({}), undefined);
  });

  it('maps API keys to identities', () => {
    const resolver = new ApiKeyResolver({
      'tg-alice': 'alice@example.com',
      'tg-ci': { login: 'tag:prod,tag:ci', tags: ['tag:prod', 'tag:ci'], groups: ['group:bots'], name: 'CI' },
      '': 'nobody',
    });
    assert.equal(resolver.size, 2);
    const alice = resolver.resolve('tg-alice');
    assert.deepEqual([alice?.login, alice?.resolver, alice?.loopback, alice?.tags, alice?.groups], ['alice@example.com', 'api-keys', false, [], []]);
    const ci = resolver.resolve('tg-ci');
    assert.deepEqual([ci?.login, ci?.tags, ci?.groups, ci?.displayName], ['tag:prod,tag:ci', ['tag:ci', 'tag:prod'], ['group:bots'], 'CI']);
    assert.equal(resolver.resolve('tg-alicE'), undefined);
    assert.equal(resolver.resolve(''), undefined);
    assert.equal(resolver.resolve(undefined), undefined);
    assert.ok(Object.isFrozen(alice));
  });

  it('recognises loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '100.64.0.1', 'fe80::1', '']) assert.ok(!isLoopbackAddress(a), a);
    assert.equal(normalizeAddress('::ffff:192.168.1.2'), '192.168.1.2');
    assert.equal(normalizeAddress('::ffff:zz'), '::ffff:zz');
    assert.equal(normalizeAddress(undefined), '');
  });
});
