/**
 * Canned data in the read API's documented shapes (contracts section 3), as the capture plugin
 * would answer it: full request records from which the fake API derives every list.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where screenshots of failed browser tests go (gitignored `test-output/`). */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');

/** A tool call as `GET /api/requests/{id}` lists it. */
export interface FakeToolCall {
  index: number;
  id: string;
  kind: string;
  name: string;
  arguments: Record<string, unknown>;
  decision: 'allow' | 'block' | 'strip';
  decided_by: string | null;
  reason: string | null;
  decision_ms: number;
}

/** A captured request with everything `GET /api/requests/{id}` answers. */
export interface FakeRequest {
  id: string;
  time: string;
  login: string;
  display_name: string | null;
  tags: string[];
  node: string | null;
  session_id: string | null;
  format: string;
  provider: string;
  model_requested: string;
  model: string;
  status: number;
  error_code: string | null;
  streamed: boolean;
  duration_ms: number;
  ttfb_ms: number;
  usage: { input_tokens: number; output_tokens: number; cached_tokens: number; reasoning_tokens: number };
  cost: { dollars: number | null; cost_basis: string | null };
  user_message: string;
  user_agent: string;
  path: string;
  request_headers: Record<string, string>;
  request_body: string;
  response_headers: Record<string, string>;
  response_body: string;
  client_response_body: string;
  error_message: string | null;
  tool_calls: FakeToolCall[];
  decisions: { plugin: string; subject: string; allowed: boolean; reason: string | null; duration_ms: number }[];
}

/** A model as `GET /api/models` lists it. */
export interface FakeModel {
  id: string;
  provider: string;
  provider_name: string | null;
  compatibility: string[];
  endpoints: string[];
  allowed: boolean;
  pricing: { input_per_mtok: number; output_per_mtok: number } | null;
}

/** Everything the fake API serves. */
export interface FakeData {
  requests: FakeRequest[];
  models: FakeModel[];
}

/** The README's tool call, as the `openai` SDK sends it. */
const BASH_TOOLS = [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }];

/** A request record with sensible defaults. */
function request(r: Partial<FakeRequest> & Pick<FakeRequest, 'id' | 'time' | 'login' | 'user_message'>): FakeRequest {
  const calls = r.tool_calls ?? [];
  const body = {
    id: `chatcmpl-${r.id}`,
    object: 'chat.completion',
    model: r.model ?? 'mock-1',
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }, finish_reason: calls.length ? 'tool_calls' : 'stop' }],
  };
  return {
    display_name: null,
    tags: [],
    node: null,
    session_id: null,
    format: 'openai_chat',
    provider: 'mock',
    model_requested: r.model ?? 'mock-1',
    model: 'mock-1',
    status: 200,
    error_code: null,
    streamed: false,
    duration_ms: 42,
    ttfb_ms: 12,
    usage: { input_tokens: 120, output_tokens: 30, cached_tokens: 0, reasoning_tokens: 0 },
    cost: { dollars: null, cost_basis: null },
    user_agent: 'OpenAI/JS 6.49.0',
    path: '/v1/chat/completions',
    request_headers: { 'content-type': 'application/json', authorization: '[REDACTED]', 'user-agent': 'OpenAI/JS 6.49.0' },
    request_body: JSON.stringify({ model: r.model ?? 'mock-1', messages: [{ role: 'user', content: r.user_message }], tools: BASH_TOOLS }),
    response_headers: { 'content-type': 'application/json' },
    response_body: JSON.stringify(body),
    client_response_body: JSON.stringify(body),
    error_message: null,
    tool_calls: [],
    decisions: [],
    ...r,
  };
}

/** Minutes before `now`, as ISO. */
function ago(now: number, minutes: number): string {
  return new Date(now - minutes * 60_000).toISOString();
}

/**
 * The default data set: alice (an admin) made the README's tool call with the `openai` SDK
 * (allowed) and one that a guardrail blocked; bob made a call that was stripped, and a plain chat.
 */
export function defaultData(now = Date.now()): FakeData {
  return {
    requests: [
      request({
        id: 'req-1',
        time: ago(now, 90),
        login: 'alice@example.com',
        display_name: 'Alice Admin',
        session_id: 'sess-alice-1',
        user_message: 'list the files in /tmp',
        tool_calls: [{ index: 0, id: 'call_1', kind: 'function', name: 'bash', arguments: { command: 'list the files in /tmp' }, decision: 'allow', decided_by: null, reason: null, decision_ms: 0.4 }],
        decisions: [{ plugin: 'grants', subject: 'model mock-1', allowed: true, reason: 'grant 0 allows models **', duration_ms: 0.1 }],
      }),
      request({
        id: 'req-2',
        time: ago(now, 60),
        login: 'alice@example.com',
        display_name: 'Alice Admin',
        session_id: 'sess-alice-1',
        user_message: 'run rm -rf /tmp/x',
        status: 403,
        error_code: 'tool_call_denied',
        error_message: 'tool call "bash" denied by no-rm-rf: its arguments contain "rm -rf"',
        tool_calls: [{ index: 0, id: 'call_2', kind: 'function', name: 'bash', arguments: { command: 'rm -rf /tmp/x' }, decision: 'block', decided_by: 'no-rm-rf', reason: 'its arguments contain "rm -rf"', decision_ms: 0.3 }],
        decisions: [
          { plugin: 'grants', subject: 'model mock-1', allowed: true, reason: null, duration_ms: 0.1 },
          { plugin: 'no-rm-rf', subject: 'tool bash', allowed: false, reason: 'its arguments contain "rm -rf"', duration_ms: 0.3 },
        ],
      }),
      request({
        id: 'req-3',
        time: ago(now, 30),
        login: 'bob@example.com',
        display_name: 'Bob User',
        session_id: 'sess-bob-1',
        model: 'gpt-4.1',
        provider: 'openai',
        user_message: 'read my ssh key',
        usage: { input_tokens: 2000, output_tokens: 500, cached_tokens: 100, reasoning_tokens: 0 },
        cost: { dollars: 0.008, cost_basis: 'provider pricing' },
        tool_calls: [{ index: 0, id: 'call_3', kind: 'function', name: 'read_file', arguments: { path: '~/.ssh/id_ed25519' }, decision: 'strip', decided_by: 'oso', reason: 'Oso denied call on Tool read_file', decision_ms: 12 }],
      }),
      request({ id: 'req-4', time: ago(now, 10), login: 'bob@example.com', display_name: 'Bob User', session_id: 'sess-bob-1', model: 'gpt-4.1', provider: 'openai', user_message: 'hello', cost: { dollars: 0.001, cost_basis: 'provider pricing' } }),
    ],
    models: [
      { id: 'mock-1', provider: 'mock', provider_name: 'Mock LLM', compatibility: ['openai_chat', 'openai_responses', 'anthropic_messages'], endpoints: ['/v1/chat/completions'], allowed: true, pricing: null },
      { id: 'gpt-4.1', provider: 'openai', provider_name: 'OpenAI', compatibility: ['openai_chat', 'openai_responses'], endpoints: ['/v1/chat/completions', '/v1/responses'], allowed: true, pricing: { input_per_mtok: 2, output_per_mtok: 8 } },
      { id: 'claude-sonnet-4-5', provider: 'anthropic', provider_name: 'Anthropic', compatibility: ['anthropic_messages'], endpoints: ['/v1/messages'], allowed: false, pricing: { input_per_mtok: 3, output_per_mtok: 15 } },
    ],
  };
}

/** Markup that would run script or create an element if it were ever treated as HTML. */
export const XSS_SCRIPT = '<script>window.__xss = "script"</script>';
/** An attribute break-out that would create an image with an error handler. */
export const XSS_IMG = '"><img src=x onerror="window.__xss = \'img\'">';

/**
 * Every string a caller, a model or a header can put in front of the dashboard carries both
 * payloads: logins, display names, sessions, models, providers, tool names and arguments,
 * messages, headers, bodies, reasons.
 */
export function hostileData(now = Date.now()): FakeData {
  const x = (tag: string): string => `${tag}${XSS_SCRIPT}${XSS_IMG}`;
  const base = defaultData(now);
  const requests = base.requests.map((r, i) => {
    const calls = r.tool_calls.map((c) => ({ ...c, name: x(`tool${i}`), arguments: { command: x('arg'), [x('key')]: x('value') }, reason: c.reason === null ? null : x('reason'), decided_by: c.decided_by === null ? null : x('plugin') }));
    return {
      ...r,
      login: x(`user${i % 2}`),
      display_name: x('name'),
      session_id: x(`session${i % 2}`),
      model: x('model'),
      provider: x('provider'),
      user_message: x('message'),
      tags: [x('tag')],
      user_agent: x('agent'),
      request_headers: { 'x-hostile': x('header'), [x('header-name')]: 'v' },
      response_headers: { 'x-hostile': x('response-header') },
      request_body: x('request-body'),
      response_body: JSON.stringify({ content: x('response-body') }),
      client_response_body: JSON.stringify({ content: x('client-body') }),
      error_message: r.error_message === null ? null : x('error'),
      tool_calls: calls,
      decisions: r.decisions.map((d) => ({ ...d, plugin: x('plugin'), subject: x('subject'), reason: x('reason') })),
    };
  });
  const models = base.models.map((m) => ({ ...m, id: x('model'), provider: x('provider'), provider_name: x('provider-name'), compatibility: [x('compat')] }));
  return { requests, models };
}
