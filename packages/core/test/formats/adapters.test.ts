import assert from 'node:assert/strict';
import { ApiErrorException, apiError } from '@tollgate/core';
import { anthropicMessagesFormat, geminiFormat, openAiResponsesFormat } from '@tollgate/core/formats';
import { sessionIdOf } from '@tollgate/core/internal';

const q = (s = '') => new URLSearchParams(s);

function readError(fn: () => unknown): { status: number; kind: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiErrorException, String(err));
    return { status: err.apiError.status, kind: err.apiError.kind };
  }
  assert.fail('expected an ApiErrorException');
}

describe('Anthropic Messages adapter', () => {
  const f = anthropicMessagesFormat;
  const body = {
    model: 'claude-sonnet-4-6',
    system: [{ type: 'text', text: 'You are Claude Code.' }],
    metadata: { user_id: 'user_2f1c0d_account_7a0b1c2d-0000-4000-8000-000000000001_session_5d1e2f3a-1111-4222-8333-444455556666' },
    tools: [
      { name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
      { name: 'Read', input_schema: { type: 'object' } },
    ],
    tool_choice: { type: 'tool', name: 'Bash' },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'list files' }, { type: 'image', source: {} }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
    ],
  };

  it('reads model and stream; refuses a missing model, missing messages and a non-boolean stream', () => {
    assert.deepEqual(f.readRequest({ body: { ...body, stream: true }, path: '/v1/messages', params: {}, query: q() }), { model: 'claude-sonnet-4-6', stream: true });
    for (const bad of [{ ...body, model: undefined }, { ...body, model: ' ' }, { ...body, messages: 'hi' }, { ...body, stream: 'yes' }]) {
      assert.deepEqual(readError(() => f.readRequest({ body: bad, path: '/v1/messages', params: {}, query: q() })), { status: 400, kind: 'invalid_request' });
    }
  });

  it('user message: the last user turn with text, skipping tool-result turns; string content too', () => {
    assert.equal(f.userMessage(body), 'list files');
    assert.equal(f.userMessage({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }, { role: 'user', content: 'again' }] }), 'again');
    assert.equal(f.userMessage({ messages: [] }), '');
    assert.equal(f.lastTurnIsToolResult(body), true);
    assert.equal(f.lastTurnIsToolResult({ messages: body.messages.slice(0, 1) }), false);
  });

  it('declared tools and filtering (tool_choice naming a removed tool goes too)', () => {
    assert.deepEqual(f.declaredTools(body).map((t) => [t.name, t.parameters]), [
      ['Bash', body.tools[0]!.input_schema],
      ['Read', { type: 'object' }],
    ]);
    const filtered = f.filterTools(body, (t) => t.name !== 'Bash');
    assert.deepEqual((filtered.tools as any[]).map((t) => t.name), ['Read']);
    assert.equal(filtered.tool_choice, undefined);
    const none = f.filterTools(body, () => false);
    assert.equal(none.tools, undefined);
    assert.equal(none.tool_choice, undefined);
    assert.equal((body.tools as unknown[]).length, 2, 'the input is not modified');
  });

  it('session hint: the session part of Claude Code metadata.user_id (legacy string and JSON form)', () => {
    assert.equal(f.sessionHint(body, {}), '5d1e2f3a-1111-4222-8333-444455556666');
    assert.equal(f.sessionHint({ metadata: { user_id: JSON.stringify({ device_id: 'd', account_uuid: 'a', session_id: 'sess-42' }) } }, {}), 'sess-42');
    assert.equal(f.sessionHint({ metadata: { user_id: 'user_abc' } }, {}), undefined);
    assert.equal(sessionIdOf(f, body, {}, 'alice'), '5d1e2f3a-1111-4222-8333-444455556666');
    assert.equal(sessionIdOf(f, body, { 'x-session-id': 'hdr' }, 'alice'), 'hdr', 'a session header wins');
  });

  it('fingerprint: stable across turns of one conversation, different for another', () => {
    const noHint = { ...body, metadata: undefined };
    const later = { ...noHint, messages: [...noHint.messages, { role: 'assistant', content: 'done' }, { role: 'user', content: 'thanks' }] };
    const a = sessionIdOf(f, noHint, {}, 'alice');
    assert.match(a, /^fp_[0-9a-f]{24}$/);
    assert.equal(sessionIdOf(f, later, {}, 'alice'), a);
    assert.notEqual(sessionIdOf(f, { ...noHint, messages: [{ role: 'user', content: 'other' }] }, {}, 'alice'), a);
  });

  it('error envelope: guardrail is invalid_request_error; kinds map to Anthropic types', () => {
    assert.deepEqual(f.errorBody(apiError('guardrail', 'blocked', { type: 'guardrail_blocked' })), { type: 'error', error: { type: 'invalid_request_error', message: 'blocked' } });
    assert.equal((f.errorBody(apiError('quota', 'q')) as any).error.type, 'rate_limit_error');
    assert.equal((f.errorBody(apiError('permission', 'p')) as any).error.type, 'permission_error');
    assert.equal((f.errorBody(apiError('not_found', 'n')) as any).error.type, 'not_found_error');
    assert.equal((f.errorBody(apiError('unavailable', 'u')) as any).error.type, 'overloaded_error');
    assert.equal((f.errorBody(apiError('upstream', 'u', { type: 'overloaded_error' })) as any).error.type, 'overloaded_error', 'an Anthropic type is kept');
    assert.equal((f.errorBody(apiError('permission', 'g', { type: 'guardrail_blocked' })) as any).error.type, 'invalid_request_error', 'a guardrail block set as an OpenAI type');
    assert.equal((f.errorBody(apiError('permission', 'q', { status: 429, type: 'insufficient_quota' })) as any).error.type, 'rate_limit_error');
    assert.equal(f.streamErrorEvent(apiError('permission', 'no')), 'event: error\ndata: {"type":"error","error":{"type":"permission_error","message":"no"}}\n\n');
  });

  it('upstream path keeps the query (Claude Code sends ?beta=true); forwards version and beta headers', () => {
    assert.equal(f.upstreamPath({ clientPath: '/v1/messages', query: q('beta=true'), model: 'm', stream: true }), '/v1/messages?beta=true');
    assert.deepEqual([...f.forwardHeaders], ['anthropic-version', 'anthropic-beta']);
    assert.deepEqual(f.withModel(body, 'other')?.model, 'other');
  });
});

describe('OpenAI Responses adapter', () => {
  const f = openAiResponsesFormat;
  const body = {
    model: 'gpt-5',
    instructions: 'You are Codex.',
    prompt_cache_key: 'conv-123',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the bug' }] },
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
    ],
    tools: [
      { type: 'function', name: 'shell', description: 'run', parameters: { type: 'object' } },
      { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } },
      { type: 'local_shell' },
      { type: 'web_search' },
    ],
    tool_choice: { type: 'function', name: 'shell' },
  };

  it('reads model, stream and input; refuses a missing model and a malformed input', () => {
    assert.deepEqual(f.readRequest({ body, path: '/v1/responses', params: {}, query: q() }), { model: 'gpt-5', stream: false });
    assert.deepEqual(readError(() => f.readRequest({ body: { input: 'x' }, path: '/v1/responses', params: {}, query: q() })), { status: 400, kind: 'invalid_request' });
    assert.deepEqual(readError(() => f.readRequest({ body: { model: 'm', input: 3 }, path: '/v1/responses', params: {}, query: q() })), { status: 400, kind: 'invalid_request' });
  });

  it('user message from a string input or the last user item; tool outputs are tool results', () => {
    assert.equal(f.userMessage(body), 'fix the bug');
    assert.equal(f.userMessage({ input: 'hello' }), 'hello');
    assert.equal(f.userMessage({ input: [{ role: 'user', content: 'plain' }] }), 'plain');
    assert.equal(f.lastTurnIsToolResult(body), true);
    assert.equal(f.lastTurnIsToolResult({ input: 'x' }), false);
  });

  it('declares function, custom and Codex client tools; filters them and their tool_choice', () => {
    assert.deepEqual(f.declaredTools(body).map((t) => t.name), ['shell', 'apply_patch', 'local_shell']);
    const filtered = f.filterTools(body, (t) => t.name === 'apply_patch');
    assert.deepEqual((filtered.tools as any[]).map((t) => t.name ?? t.type), ['apply_patch', 'web_search']);
    assert.equal(filtered.tool_choice, undefined);
    const allowed = f.filterTools({ ...body, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'shell' }, { type: 'custom', name: 'apply_patch' }] } }, (t) => t.name !== 'shell');
    assert.deepEqual(allowed.tool_choice, { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'custom', name: 'apply_patch' }] });
  });

  it('session hint: conversation id, else prompt_cache_key', () => {
    assert.equal(f.sessionHint(body, {}), 'conv-123');
    assert.equal(f.sessionHint({ ...body, conversation: { id: 'conv_abc' } }, {}), 'conv_abc');
    assert.equal(f.sessionHint({ model: 'm' }, {}), undefined);
    assert.equal(sessionIdOf(f, body, { session_id: 'codex-session' }, 'alice'), 'codex-session', "Codex's session_id header wins");
  });

  it('error envelope is OpenAI’s; the stream error is an error event the SDK throws on, then response.failed', () => {
    assert.deepEqual(f.errorBody(apiError('guardrail', 'nope', { type: 'guardrail_blocked' })), { error: { message: 'nope', type: 'guardrail_blocked', param: null, code: null } });
    const frames = f.streamErrorEvent(apiError('permission', 'denied', { code: 'tool_call_blocked' })).split('\n\n').filter(Boolean);
    assert.equal(frames.length, 2);
    assert.ok(frames[0]!.startsWith('event: error\ndata: '));
    const data = JSON.parse(frames[0]!.slice(frames[0]!.indexOf('data: ') + 6));
    assert.deepEqual(data.error, { type: 'permission_error', code: 'tool_call_blocked', message: 'denied', param: null });
    assert.equal(data.message, 'denied');
    assert.ok(frames[1]!.startsWith('event: response.failed\n'));
  });
});

describe('Gemini adapter', () => {
  const f = geminiFormat;
  const body = {
    systemInstruction: { parts: [{ text: 'be brief' }] },
    contents: [
      { role: 'user', parts: [{ text: 'weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { t: 20 } } }] },
    ],
    tools: [{ functionDeclarations: [{ name: 'weather', parameters: { type: 'object' } }, { name: 'news', parametersJsonSchema: { type: 'object' } }] }, { googleSearch: {} }],
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather', 'news'] } },
  };
  const read = (target: string, query = '', b: Record<string, unknown> = body) => f.readRequest({ body: b, path: `/v1beta/models/${target}`, params: { target }, query: q(query) });

  it('model from the URL; stream only for :streamGenerateContent with alt=sse', () => {
    assert.deepEqual(read('gemini-2.5-flash:generateContent'), { model: 'gemini-2.5-flash', stream: false });
    assert.deepEqual(read('gemini-2.5-flash:streamGenerateContent', 'alt=sse'), { model: 'gemini-2.5-flash', stream: true });
    assert.deepEqual(read('gemini-2.5-flash:streamGenerateContent'), { model: 'gemini-2.5-flash', stream: false }, 'the JSON-array answer goes the non-stream way');
  });

  it('refuses a missing or unsafe model (400), an unknown method (404), a body without contents (400)', () => {
    for (const target of [':generateContent', '..:generateContent', '../../etc:generateContent', 'a/b:generateContent', 'a%2Fb:generateContent', 'a\\b:generateContent', 'x..y:generateContent']) {
      assert.equal(readError(() => read(target)).status, 400, target);
    }
    assert.deepEqual(readError(() => read('gemini-2.5-flash:countTokens')), { status: 404, kind: 'not_found' });
    assert.deepEqual(readError(() => read('gemini-2.5-flash')), { status: 404, kind: 'not_found' });
    assert.deepEqual(readError(() => read('gemini-2.5-flash:generateContent', '', { contents: 'hi' })), { status: 400, kind: 'invalid_request' });
  });

  it('rebuilds the upstream path with the routed model, the client version and query', () => {
    assert.equal(f.upstreamPath({ clientPath: '/v1beta/models/alias:streamGenerateContent', query: q('alt=sse'), model: 'gemini-2.5-pro', stream: true }), '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    assert.equal(f.upstreamPath({ clientPath: '/v1/models/m%3AgenerateContent', query: q(), model: 'm', stream: false }), '/v1/models/m:generateContent');
    assert.equal(f.withModel(body, 'x'), undefined, 'the model is not in the body');
  });

  it('user message skips function responses; tools from functionDeclarations; filtering fixes toolConfig', () => {
    assert.equal(f.userMessage(body), 'weather in Paris?');
    assert.equal(f.lastTurnIsToolResult(body), true);
    assert.deepEqual(f.declaredTools(body).map((t) => [t.name, t.parameters]), [['weather', { type: 'object' }], ['news', { type: 'object' }]]);
    const filtered = f.filterTools(body, (t) => t.name === 'news') as any;
    assert.deepEqual(filtered.tools, [{ functionDeclarations: [{ name: 'news', parametersJsonSchema: { type: 'object' } }] }, { googleSearch: {} }]);
    assert.deepEqual(filtered.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['news'] } });
    const none = f.filterTools(body, () => false) as any;
    assert.deepEqual(none.tools, [{ googleSearch: {} }]);
    assert.equal(none.toolConfig, undefined);
    assert.deepEqual(f.declaredTools({ tools: [{ function_declarations: [{ name: 'snake' }] }] }).map((t) => t.name), ['snake'], 'snake_case is accepted');
  });

  it('no session hint: the fingerprint covers system instruction and first user message', () => {
    assert.equal(f.sessionHint(body, {}), undefined);
    const a = sessionIdOf(f, body, {}, 'alice');
    assert.equal(sessionIdOf(f, { ...body, contents: [...body.contents, { role: 'model', parts: [{ text: 'ok' }] }] }, {}, 'alice'), a);
    assert.notEqual(sessionIdOf(f, { ...body, systemInstruction: { parts: [{ text: 'other' }] } }, {}, 'alice'), a);
  });

  it('error envelope: Google code/message/status per kind', () => {
    assert.deepEqual(f.errorBody(apiError('guardrail', 'blocked')), { error: { code: 403, message: 'blocked', status: 'PERMISSION_DENIED' } });
    assert.deepEqual(f.errorBody(apiError('quota', 'q')), { error: { code: 429, message: 'q', status: 'RESOURCE_EXHAUSTED' } });
    assert.deepEqual(f.errorBody(apiError('not_found', 'n')), { error: { code: 404, message: 'n', status: 'NOT_FOUND' } });
    assert.deepEqual(f.errorBody(apiError('authentication', 'a')), { error: { code: 401, message: 'a', status: 'UNAUTHENTICATED' } });
    assert.deepEqual(f.errorBody(apiError('timeout', 't')), { error: { code: 504, message: 't', status: 'DEADLINE_EXCEEDED' } });
    assert.deepEqual(f.errorBody(apiError('permission', 'q', { status: 429, type: 'insufficient_quota' })), { error: { code: 429, message: 'q', status: 'RESOURCE_EXHAUSTED' } });
    assert.deepEqual(f.errorBody(apiError('invalid_request', 'x', { type: 'FAILED_PRECONDITION' })), { error: { code: 400, message: 'x', status: 'FAILED_PRECONDITION' } });
    assert.equal(f.streamErrorEvent(apiError('permission', 'no')), 'data: {"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}}\n\n');
  });
});
