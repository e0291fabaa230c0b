import assert from 'node:assert/strict';
import type { SpoolStatus } from '@tollgate/plugin-webhook';
import { formatDelivery } from '../src/hooks/format-delivery.js';
import { formatSpoolStatus } from '../src/hooks/format-spool-status.js';

const at = new Date('2025-06-01T12:34:56Z');

const payload = {
  metadata: { login_name: 'alice@example.com', user_agent: 'curl/8', url: '/v1/chat/completions', model: 'mock-1', provider: 'mock', tailnet_name: '', stable_node_id: '', request_id: 'req-1', session_id: 'sess-9' },
  user_message: 'run rm -rf /tmp/x',
  tool_calls: [{ name: 'bash', params: { command: 'run rm -rf /tmp/x' } }],
  request_body: { model: 'mock-1' },
  authorization_decisions: [{ plugin: 'oso', subject: 'tool:bash', allowed: false, reason: 'denied by Oso policy' }],
};

describe('formatDelivery', () => {
  it('summarises an Aperture payload: event, delivery id, caller, session, model, user message, tool calls, decisions', () => {
    const text = formatDelivery({ path: '/hook', event: 'tool_call_entire_request', id: 'msg_1', raw: Buffer.from(JSON.stringify(payload)), receivedAt: at }, { color: false, full: false });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], '12:34:56 tool_call_entire_request /hook  msg_1');
    assert.match(text, /login\s+alice@example\.com/);
    assert.match(text, /session\s+sess-9/);
    assert.match(text, /model\s+mock-1 \(provider mock\)/);
    assert.match(text, /user\s+"run rm -rf \/tmp\/x"/);
    assert.match(text, /tool call\s+bash \{"command":"run rm -rf \/tmp\/x"\}/);
    assert.match(text, /decision\s+oso tool:bash deny \(denied by Oso policy\)/);
    assert.match(text, /also\s+request_body \(\d+ B\)/);
    assert.doesNotMatch(text, /\u001b\[/);
  });

  it('colours for a terminal, shows retries, and prints the whole body with full', () => {
    const text = formatDelivery({ path: '/hook', event: 'entire_request', attempt: '3', raw: Buffer.from(JSON.stringify(payload)), receivedAt: at }, { color: true, full: true });
    assert.match(text, /\u001b\[36mentire_request/);
    assert.match(text, /attempt 3/);
    assert.match(text, /"stable_node_id": ""/);
  });

  it('prints other JSON bodies (a Slack-style message) as JSON, and anything else as text', () => {
    const slack = formatDelivery({ path: '/slack', raw: Buffer.from('{"text":"alice called bash"}'), receivedAt: at }, { color: false, full: false });
    assert.match(slack, /^12:34:56 POST \/slack\n {2}\{\n {4}"text": "alice called bash"\n {2}\}/);
    const raw = formatDelivery({ path: '/x', raw: Buffer.from('not json\nat all'), receivedAt: at }, { color: false, full: false });
    assert.match(raw, /body\s+not json at all/);
    assert.match(formatDelivery({ path: '/x', raw: Buffer.alloc(0), receivedAt: at }, { color: false, full: false }), /body\s+\(empty\)/);
  });
});

describe('formatSpoolStatus', () => {
  it('lists pending events per hook and each process with its counters', () => {
    const now = at.getTime();
    const stats = { sent: 4, failed: 1, retried: 2, dropped: 0, queueDepth: 1, inFlight: 0, spoolBytes: 10, lastError: { message: 'HTTP 503', status: 503, at: now - 30_000 }, preRequest: { allowed: 0, blocked: 0, modified: 0, failedOpen: 0, failedClosed: 0 } };
    const status: SpoolStatus = {
      root: '/data/webhook',
      hooks: [{ name: 'oso', dir: '/data/webhook/hooks/oso', pendingEvents: 2, bytes: 2048, segments: 1, corruptRecords: 0, oldestEventAt: now - 90_000 }],
      processes: [{ pid: 42, hostname: 'box', alive: true, startedAt: now - 3_600_000, updatedAt: now - 3000, hooks: { oso: stats } }],
    };
    const text = formatSpoolStatus(status, now);
    assert.match(text, /^spool \/data\/webhook/);
    assert.match(text, /oso\s+2\s+90s ago\s+1\s+2\.0 kB\s+0/);
    assert.match(text, /process 42 on box: running, started 60m ago, counters from 3s ago/);
    assert.match(text, /oso\s+4\s+1\s+2\s+0\s+1\s+0\s+HTTP 503 \(30s ago\)/);
  });

  it('says so when nothing was spooled and no gateway runs', () => {
    const text = formatSpoolStatus({ root: '/d/webhook', hooks: [], processes: [] });
    assert.match(text, /no hook has spooled an event yet/);
    assert.match(text, /no gateway process is using this spool/);
  });
});
