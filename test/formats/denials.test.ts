import assert from 'node:assert/strict';
import type { Denial, TollgatePlugin } from '@tollgate/core';
import { jsonResponder } from '@tollgate/testing';
import { MODELS, type Rig, post, startRig } from './support.js';

/** Denials an `onRequest` tap returns, picked by the `x-test-deny` request header. */
const DENIALS: Record<string, Denial> = {
  guardrail: { kind: 'guardrail', status: 403, message: 'request blocked by guardrail', type: 'guardrail_blocked' },
  'no-role': { kind: 'permission', status: 403, message: 'access denied: no role granted' },
  'not-granted': { kind: 'not_found', status: 404, message: 'model not granted' },
  quota: { kind: 'quota', status: 429, message: 'daily quota spent', headers: { 'retry-after': '120' } },
};

const denier: TollgatePlugin = {
  name: 'test-denier',
  apply(host) {
    host.hooks.onRequest.tap('test-denier', (ctx) => {
      const which = ctx.headers['x-test-deny'];
      return typeof which === 'string' ? DENIALS[which] : undefined;
    });
  },
};

describe('request denials in each format’s envelope (compat spec 4.5)', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig([denier]);
    rig.upstream.respond(jsonResponder({ never: 'called' }));
  });
  after(async () => rig.close());

  const send = (format: 'responses' | 'anthropic' | 'gemini', deny: string) => {
    const headers = { 'x-test-deny': deny };
    if (format === 'responses') return post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'x' }, headers);
    if (format === 'anthropic') return post(rig.gw.url, '/v1/messages', { model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, headers);
    return post(rig.gw.url, `/v1beta/models/${MODELS.gemini}:generateContent`, { contents: [{ parts: [{ text: 'x' }] }] }, headers);
  };

  const expected: Record<string, { status: number; responses: string; anthropic: string; gemini: string }> = {
    guardrail: { status: 403, responses: 'guardrail_blocked', anthropic: 'invalid_request_error', gemini: 'PERMISSION_DENIED' },
    'no-role': { status: 403, responses: 'permission_error', anthropic: 'permission_error', gemini: 'PERMISSION_DENIED' },
    'not-granted': { status: 404, responses: 'not_found_error', anthropic: 'not_found_error', gemini: 'NOT_FOUND' },
    quota: { status: 429, responses: 'insufficient_quota', anthropic: 'rate_limit_error', gemini: 'RESOURCE_EXHAUSTED' },
  };

  for (const [deny, want] of Object.entries(expected)) {
    it(`${deny}: ${want.status}`, async () => {
      const message = DENIALS[deny]!.message;
      const r = await send('responses', deny);
      assert.equal(r.status, want.status);
      assert.equal(r.json().error.type, want.responses);
      assert.equal(r.json().error.message, message);
      const a = await send('anthropic', deny);
      assert.equal(a.status, want.status);
      assert.deepEqual(a.json(), { type: 'error', error: { type: want.anthropic, message } });
      const g = await send('gemini', deny);
      assert.equal(g.status, want.status);
      assert.deepEqual(g.json(), { error: { code: want.status, message, status: want.gemini } });
      if (deny === 'quota') for (const res of [r, a, g]) assert.equal(res.headers.get('retry-after'), '120');
      assert.equal(rig.upstream.requests.length, 0);
    });
  }
});
