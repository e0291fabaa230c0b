import assert from 'node:assert/strict';
import { ESTIMATED_COST, type TollgatePlugin } from '@tollgate/core';
import type { RequestSummary, SessionSummary, UsageGroup } from '@tollgate/plugin-capture';
import { KEYS, api, startCaptureGateway } from './support.js';

/** Prices bob's requests at $0.25 in `settle` (as the quotas plugin does); carol's stay unpriced. */
const pricer: TollgatePlugin = {
  name: 'test-pricer',
  apply(host) {
    host.hooks.settle.tap('test-pricer', (exchange) => {
      if (exchange.identity?.login !== 'bob@example.com') return;
      const u = exchange.usage;
      exchange.state.set(ESTIMATED_COST, {
        dollars: 0.25,
        cost_basis: 'test/mock-1',
        usage: { input_tokens: u.inputTokens, output_tokens: u.outputTokens, cached_tokens: u.cachedTokens, reasoning_tokens: u.reasoningTokens },
      });
    });
  },
};

describe('capture: cost', function () {
  this.timeout(30_000);

  it('records the estimated cost the settle hook set, and counts unpriced requests', async () => {
    const gw = await startCaptureGateway({ plugins: [pricer] });
    try {
      for (const key of [KEYS.bob, KEYS.bob, KEYS.carol]) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-session-id': 'priced' },
          body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.text();
      }
      assert.equal(await gw.capture.flush(), true);
      const bobs = (await api<{ requests: RequestSummary[] }>(gw.url, '/api/requests?user=bob@example.com', KEYS.alice)).body.requests;
      assert.deepEqual(bobs.map((r) => r.cost), [{ dollars: 0.25, cost_basis: 'test/mock-1' }, { dollars: 0.25, cost_basis: 'test/mock-1' }]);
      const usage = (await api<{ groups: UsageGroup[] }>(gw.url, '/api/usage?group_by=user', KEYS.alice)).body.groups;
      assert.deepEqual(usage.map((g) => [g.key, g.requests, g.cost_dollars, g.unpriced_requests]), [['bob@example.com', 2, 0.5, 0], ['carol@example.com', 1, null, 1]]);
      const byModel = (await api<{ groups: UsageGroup[] }>(gw.url, '/api/usage?group_by=model', KEYS.alice)).body.groups;
      assert.deepEqual(byModel.map((g) => [g.key, g.requests, g.cost_dollars, g.unpriced_requests]), [['mock-1', 3, 0.5, 1]]);
      const sessions = (await api<{ sessions: SessionSummary[] }>(gw.url, '/api/sessions', KEYS.alice)).body.sessions;
      assert.deepEqual(sessions.map((s) => [s.login, s.cost_dollars]).sort(), [['bob@example.com', 0.5], ['carol@example.com', null]]);
    } finally {
      await gw.close();
    }
  });
});
