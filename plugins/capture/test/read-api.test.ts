import assert from 'node:assert/strict';
import type { RequestSummary, SessionSummary, ToolUseGroup, UsageGroup } from '@tollgate/plugin-capture';
import { KEYS, api, startCaptureGateway } from './support.js';

type Gateway = Awaited<ReturnType<typeof startCaptureGateway>>;

/** A chat request as `key`, with a tool when `tool` is given (its argument carries `text`). */
async function chat(gw: Gateway, key: string, text: string, options: { tool?: string; session?: string; model?: string } = {}): Promise<Response> {
  const body: Record<string, unknown> = { model: options.model ?? 'mock-1', messages: [{ role: 'user', content: text }] };
  if (options.tool !== undefined) body.tools = [{ type: 'function', function: { name: options.tool, parameters: { type: 'object', properties: { arg: { type: 'string' } }, required: ['arg'] } } }];
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(options.session === undefined ? {} : { 'x-session-id': options.session }) },
    body: JSON.stringify(body),
  });
  await res.text();
  return res;
}

describe('capture: the read API', function () {
  this.timeout(60_000);
  let gw: Gateway;
  before(async () => {
    gw = await startCaptureGateway();
    // bob: session s-bob, three requests: bash allowed, bash blocked, read_file stripped; one without tools.
    await chat(gw, KEYS.bob, 'list files', { tool: 'bash', session: 's-bob' });
    await chat(gw, KEYS.bob, 'block this', { tool: 'bash', session: 's-bob' });
    await chat(gw, KEYS.bob, 'strip that', { tool: 'read_file', session: 's-bob' });
    await chat(gw, KEYS.bob, 'just talk', { session: 's-bob' });
    // carol: session s-carol, one allowed call; one request for a model nobody serves (404, captured).
    await chat(gw, KEYS.carol, 'hello', { tool: 'search', session: 's-carol' });
    await chat(gw, KEYS.carol, 'which model', { model: 'no-such-model', session: 's-carol' });
    // An unidentified caller is refused and not captured.
    assert.equal((await chat(gw, 'not-a-key-at-all', 'who am i')).status, 401);
    assert.equal(await gw.capture.flush(), true);
  });
  after(() => gw?.close());

  const requests = async (key: string, query = ''): Promise<RequestSummary[]> => {
    const res = await api<{ requests: RequestSummary[] }>(gw.url, `/api/requests${query}`, key);
    assert.equal(res.status, 200, res.text);
    return res.body.requests;
  };

  it('an admin sees everyone, a user only their own traffic, no identity gets 401 problem+json', async () => {
    assert.deepEqual([...new Set((await requests(KEYS.alice)).map((r) => r.login))].sort(), ['bob@example.com', 'carol@example.com']);
    assert.equal((await requests(KEYS.alice)).length, 6);
    const bobs = await requests(KEYS.bob);
    assert.equal(bobs.length, 4);
    assert.ok(bobs.every((r) => r.login === 'bob@example.com'));
    assert.deepEqual(await requests(KEYS.bob, '?user=carol@example.com'), [], 'a user cannot read another user by filtering');
    const carolsId = (await requests(KEYS.carol))[0]?.id as string;
    assert.equal((await api(gw.url, `/api/requests/${carolsId}`, KEYS.bob)).status, 404, 'another user\'s request is not found');
    assert.equal((await api(gw.url, `/api/requests/${carolsId}`, KEYS.carol)).status, 200);
    for (const path of ['/api/requests', '/api/sessions', '/api/tool-use', '/api/usage', `/api/requests/${carolsId}`]) {
      const res = await api(gw.url, path, undefined);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
      assert.equal((res.body as { status: number }).status, 401, path);
    }
    const userStats = await api(gw.url, '/api/capture', KEYS.bob);
    assert.equal(userStats.status, 403, 'the capture counters are for admins and read_metrics holders');
    const stats = await api<{ writer: { written: number; dropped: number }; unidentified: number; store: { dialect: string } }>(gw.url, '/api/capture', KEYS.alice);
    assert.equal(stats.body.writer.written, 6);
    assert.equal(stats.body.writer.dropped, 0);
    assert.equal(stats.body.unidentified, 1);
    assert.equal(stats.body.store.dialect, 'sqlite');
  });

  it('filters by user, model, tool, decision, session, status, time and has_tool_calls', async () => {
    assert.equal((await requests(KEYS.alice, '?user=bob@example.com')).length, 4);
    assert.equal((await requests(KEYS.alice, '?tool=bash')).length, 2);
    assert.equal((await requests(KEYS.alice, '?tool=bash&decision=block')).length, 1);
    assert.deepEqual((await requests(KEYS.alice, '?decision=strip')).map((r) => r.tool_calls.strip), [1]);
    // The unknown model was refused while routing, before a session id existed.
    assert.equal((await requests(KEYS.alice, '?session=s-carol')).length, 1);
    assert.equal((await requests(KEYS.alice, '?status=404')).length, 1);
    assert.equal((await requests(KEYS.alice, '?status=4xx')).length, 2, 'the blocked call (403) and the unknown model (404)');
    assert.equal((await requests(KEYS.alice, '?model=mock-1')).length, 5);
    assert.equal((await requests(KEYS.alice, '?provider=mock')).length, 5);
    assert.equal((await requests(KEYS.alice, '?has_tool_calls=true')).length, 4);
    assert.equal((await requests(KEYS.alice, '?has_tool_calls=false')).length, 2);
    assert.equal((await requests(KEYS.alice, '?since=1h')).length, 6);
    assert.equal((await requests(KEYS.alice, `?until=${new Date(Date.now() - 3_600_000).toISOString()}`)).length, 0);
    assert.equal((await requests(KEYS.alice, '?since=2000-01-01&until=2999-01-01')).length, 6);
    for (const bad of ['?decision=maybe', '?since=yesterday', '?limit=0', '?limit=501', '?status=abc', '?has_tool_calls=yes', '?cursor=garbage']) {
      const res = await api(gw.url, `/api/requests${bad}`, KEYS.alice);
      assert.equal(res.status, 400, bad);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/, bad);
    }
  });

  it('pages with an opaque cursor, newest first, without gaps or repeats', async () => {
    const all = await requests(KEYS.alice);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { requests: RequestSummary[]; next_cursor: string | null } } = await api(gw.url, `/api/requests?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`, KEYS.alice);
      seen.push(...res.body.requests.map((r) => r.id));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, all.map((r) => r.id));
    const times = all.map((r) => Date.parse(r.time));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
  });

  it('answers CSV of the same rows with Accept: text/csv', async () => {
    const res = await api(gw.url, '/api/requests?user=bob@example.com', KEYS.alice, { accept: 'text/csv' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = res.text.trim().split('\r\n');
    assert.equal(lines[0]?.split(',')[0], 'id');
    assert.ok(lines[0]?.includes('tools_blocked'));
    assert.equal(lines.length, 1 + 4);
    const usage = await api(gw.url, '/api/usage?group_by=user', KEYS.alice, { accept: 'text/csv' });
    assert.equal(usage.text.split('\r\n')[0], 'key,requests,input_tokens,output_tokens,cached_tokens,reasoning_tokens,cost_dollars,unpriced_requests');
  });

  it('lists sessions with their counts and models, and one session with its requests', async () => {
    const res = await api<{ sessions: SessionSummary[]; next_cursor: string | null }>(gw.url, '/api/sessions', KEYS.alice);
    assert.equal(res.status, 200, res.text);
    const bob = res.body.sessions.find((s) => s.id === 's-bob');
    assert.ok(bob);
    assert.deepEqual([bob.login, bob.requests, bob.tool_calls, bob.blocked, bob.stripped, bob.models], ['bob@example.com', 4, 3, 1, 1, ['mock-1']]);
    assert.equal(bob.cost_dollars, null, 'no price known');
    assert.ok(bob.input_tokens > 0);
    const paged = await api<{ sessions: SessionSummary[]; next_cursor: string | null }>(gw.url, '/api/sessions?limit=1', KEYS.alice);
    assert.equal(paged.body.sessions.length, 1);
    assert.ok(paged.body.next_cursor);
    const next = await api<{ sessions: SessionSummary[]; next_cursor: string | null }>(gw.url, `/api/sessions?limit=1&cursor=${paged.body.next_cursor}`, KEYS.alice);
    assert.equal(next.body.sessions.length, 1);
    assert.notEqual(next.body.sessions[0]?.id, paged.body.sessions[0]?.id);
    assert.equal(next.body.next_cursor, null);
    assert.deepEqual((await api<{ sessions: SessionSummary[] }>(gw.url, '/api/sessions', KEYS.carol)).body.sessions.map((s) => s.id), ['s-carol']);
    const one = await api<{ session: SessionSummary; requests: RequestSummary[] }>(gw.url, '/api/sessions/s-bob', KEYS.bob);
    assert.equal(one.status, 200);
    assert.equal(one.body.session.requests, 4);
    assert.equal(one.body.requests.length, 4);
    assert.equal((await api(gw.url, '/api/sessions/s-bob', KEYS.carol)).status, 404);
  });

  it('counts tool use by decision per tool, user, session, day and hour', async () => {
    const byTool = await api<{ group_by: string; groups: ToolUseGroup[] }>(gw.url, '/api/tool-use?group_by=tool', KEYS.alice);
    assert.equal(byTool.body.group_by, 'tool');
    assert.deepEqual(byTool.body.groups, [
      { key: 'bash', total: 2, allow: 1, block: 1, strip: 0 },
      { key: 'read_file', total: 1, allow: 0, block: 0, strip: 1 },
      { key: 'search', total: 1, allow: 1, block: 0, strip: 0 },
    ]);
    const byUser = await api<{ groups: ToolUseGroup[] }>(gw.url, '/api/tool-use?group_by=user', KEYS.alice);
    assert.deepEqual(byUser.body.groups.map((g) => [g.key, g.total]), [['bob@example.com', 3], ['carol@example.com', 1]]);
    const bobOnly = await api<{ groups: ToolUseGroup[] }>(gw.url, '/api/tool-use?group_by=session', KEYS.bob);
    assert.deepEqual(bobOnly.body.groups.map((g) => [g.key, g.total, g.block, g.strip]), [['s-bob', 3, 1, 1]]);
    const hours = await api<{ groups: ToolUseGroup[] }>(gw.url, '/api/tool-use?group_by=hour', KEYS.alice);
    const hourKey = `${new Date().toISOString().slice(0, 13)}:00:00Z`;
    assert.ok(hours.body.groups.every((g) => /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/.test(g.key)), JSON.stringify(hours.body.groups));
    assert.equal(hours.body.groups.reduce((t, g) => t + g.total, 0), 4);
    assert.ok(hours.body.groups.some((g) => g.key === hourKey || Date.parse(g.key) === Date.parse(hourKey) - 3_600_000));
    const days = await api<{ groups: ToolUseGroup[] }>(gw.url, '/api/tool-use?group_by=day&decision=block', KEYS.alice);
    assert.ok(days.body.groups.every((g) => /^\d{4}-\d{2}-\d{2}$/.test(g.key)));
    assert.equal(days.body.groups.reduce((t, g) => t + g.block, 0), 1);
    assert.equal(days.body.groups.reduce((t, g) => t + g.allow, 0), 0);
    assert.equal((await api(gw.url, '/api/tool-use?group_by=month', KEYS.alice)).status, 400);
  });

  it('sums usage per user, model and day, with cost and unpriced counts', async () => {
    const res = await api<{ group_by: string; groups: UsageGroup[] }>(gw.url, '/api/usage?group_by=user', KEYS.alice);
    assert.equal(res.body.group_by, 'user');
    const bob = res.body.groups.find((g) => g.key === 'bob@example.com');
    assert.equal(bob?.requests, 4);
    assert.equal(bob?.unpriced_requests, 4);
    assert.equal(bob?.cost_dollars, null);
    assert.ok((bob?.input_tokens ?? 0) > 0);
    const byModel = await api<{ groups: UsageGroup[] }>(gw.url, '/api/usage?group_by=model', KEYS.bob);
    assert.deepEqual(byModel.body.groups.map((g) => [g.key, g.requests]), [['mock-1', 4]]);
    const byDay = await api<{ groups: UsageGroup[] }>(gw.url, '/api/usage?group_by=day', KEYS.alice);
    assert.equal(byDay.body.groups.reduce((t, g) => t + g.requests, 0), 6);
  });
});
