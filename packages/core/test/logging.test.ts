import assert from 'node:assert/strict';
import { SecretRegistry, createLogger } from '@tollgate/core';
import { LogCapture } from '@tollgate/testing';

function logger(secrets?: SecretRegistry) {
  const logs = new LogCapture();
  return { log: createLogger({ destination: logs.stream, secrets, level: 'debug' }), logs };
}

describe('logging', () => {
  it('redacts credential fields wherever they appear', () => {
    const { log, logs } = logger();
    log.info({ headers: { authorization: 'Bearer abc', 'x-api-key': 'k1', cookie: 'c=1', accept: 'json' } }, 'a');
    log.info({ req: { headers: { authorization: 'Bearer def', 'x-goog-api-key': 'k2' } } }, 'b');
    log.info({ apikey: 'k3', provider: { apikey: 'k4', apiKey: 'k5' }, hook: { authorization: 'k6', signing_secret: 'k7' }, credential: 'k8' }, 'c');
    const [a, b, c] = logs.lines as Array<Record<string, any>>;
    assert.deepEqual(a!.headers, { authorization: '***', 'x-api-key': '***', cookie: '***', accept: 'json' });
    assert.deepEqual(b!.req.headers, { authorization: '***', 'x-goog-api-key': '***' });
    assert.deepEqual([c!.apikey, c!.provider.apikey, c!.provider.apiKey, c!.hook.authorization, c!.hook.signing_secret, c!.credential], ['***', '***', '***', '***', '***', '***']);
  });

  it('scrubs every registered secret from the whole line, in any field, message or error', () => {
    const secrets = new SecretRegistry();
    secrets.add('sk-provider-secret-42');
    secrets.add('tg-client-key-0001');
    secrets.add('short'); // too short to be scrubbed safely
    const { log, logs } = logger(secrets);
    log.info({ url: 'https://x.example/?key=sk-provider-secret-42', nested: { deep: ['tg-client-key-0001'] } }, 'called with sk-provider-secret-42');
    log.error({ err: new Error('upstream said: invalid key tg-client-key-0001') }, 'failed');
    log.child({ reqId: 'r', note: 'sk-provider-secret-42' }).warn('child line');
    log.info('a short line');
    const text = logs.text;
    assert.ok(!text.includes('sk-provider-secret-42'), text);
    assert.ok(!text.includes('tg-client-key-0001'), text);
    assert.equal(logs.lines.length, 4);
    assert.equal(logs.lines[0]?.msg, 'called with ***');
    assert.equal((logs.lines[2] as Record<string, unknown>).note, '***');
    assert.equal(logs.lines[3]?.msg, 'a short line', 'values shorter than the minimum are not treated as secrets');
  });

  it('a secret registered later is scrubbed too, the longest match first', () => {
    const secrets = new SecretRegistry();
    const { log, logs } = logger(secrets);
    secrets.add('abcdef');
    secrets.add('abcdefghij');
    log.info('key abcdefghij and abcdef');
    assert.equal(logs.lines[0]?.msg, 'key *** and ***');
    assert.equal(secrets.scrub('a.b*c+d?e(f)'), 'a.b*c+d?e(f)');
    secrets.add('a.b*c+d?e(f)');
    assert.equal(secrets.scrub('x a.b*c+d?e(f) y'), 'x *** y');
  });

  it('binds child loggers per request and per plugin', () => {
    const { log, logs } = logger();
    log.child({ reqId: 'req-1' }).child({ plugin: 'grants' }).info('hello');
    assert.deepEqual([logs.lines[0]?.reqId, logs.lines[0]?.plugin, logs.lines[0]?.pid], ['req-1', 'grants', process.pid]);
    assert.equal(logs.lines[0]?.hostname, undefined, 'lines stay short: no hostname');
  });
});
