import assert from 'node:assert/strict';
import { classifyStatus, parseRetryAfter, readGuardrailReply, retryDelay } from '@tollgate/plugin-webhook';

describe('retry policy', () => {
  it('delivers on 2xx, retries 408, 429 and 5xx, gives every other status up', () => {
    const table: Array<[number, string]> = [
      [200, 'delivered'], [202, 'delivered'], [204, 'delivered'],
      [408, 'retry'], [429, 'retry'], [500, 'retry'], [502, 'retry'], [503, 'retry'], [599, 'retry'],
      [301, 'give-up'], [304, 'give-up'], [400, 'give-up'], [401, 'give-up'], [403, 'give-up'], [404, 'give-up'], [410, 'give-up'], [422, 'give-up'],
    ];
    for (const [status, outcome] of table) assert.equal(classifyStatus(status), outcome, String(status));
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter([' 2 '], now), 2000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-1', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('backs off exponentially with equal jitter, capped, and honours Retry-After up to its cap', () => {
    const timing = { initialMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };
    assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => retryDelay(n, timing, undefined, () => 0)), [50, 100, 200, 400, 500, 500]);
    assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => retryDelay(n, timing, undefined, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(retryDelay(1, timing, 3000, () => 0.5), 3000);
    assert.equal(retryDelay(1, timing, 60_000, () => 0.5), 5000);
    assert.equal(retryDelay(4, timing, 10, () => 0.999999), 800);
  });
});

describe('GuardrailResponse', () => {
  it('reads allow, block and modify, with defaults', () => {
    assert.deepEqual(readGuardrailReply({ action: 'allow', extra: 1 }), { action: 'allow' });
    assert.deepEqual(readGuardrailReply({ action: 'block' }), { action: 'block', status: 403, message: 'request blocked by guardrail' });
    assert.deepEqual(readGuardrailReply({ action: 'block', status_code: 429, message: 'slow down' }), { action: 'block', status: 429, message: 'slow down' });
    assert.deepEqual(readGuardrailReply({ action: 'block', status_code: 302, message: '' }), { action: 'block', status: 403, message: 'request blocked by guardrail' });
    assert.deepEqual(readGuardrailReply({ action: 'block', status_code: 451.5 }).action, 'block');
    assert.deepEqual(readGuardrailReply({ action: 'modify', request_body: { a: 1 } }), { action: 'modify', body: { a: 1 } });
    assert.equal(readGuardrailReply({ action: 'modify', request_body: 'x' }).action, 'allow');
    assert.equal(readGuardrailReply({ action: 'modify' }).action, 'allow');
  });

  it('calls anything else invalid', () => {
    for (const reply of [null, 'allow', [], {}, { action: 'ALLOW' }, { action: 3 }]) assert.equal(readGuardrailReply(reply).action, 'invalid', JSON.stringify(reply));
  });
});
