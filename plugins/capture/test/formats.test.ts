import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { RequestDetail, RequestSummary } from '@tollgate/plugin-capture';
import OpenAI from 'openai';
import { KEYS, POLICY, api, startCaptureGateway } from './support.js';

type Gateway = Awaited<ReturnType<typeof startCaptureGateway>>;
type Word = 'allow' | 'strip' | 'block';
const WORDS: readonly Word[] = ['allow', 'strip', 'block'];

const chatTool = { type: 'function' as const, function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };
const responsesTool = { type: 'function' as const, name: 'bash', strict: false, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } };
const anthropicTool = { name: 'bash', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] } };
const geminiTools = [{ functionDeclarations: [{ name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }] }];

/** Sends one request in `format` whose tool call's arguments carry `word`; resolves whatever the client got (a refusal is fine). */
async function send(gw: Gateway, format: string, stream: boolean, word: Word): Promise<void> {
  const text = `${word} the disk ${format} ${stream ? 'stream' : 'plain'}`;
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.bob, maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEYS.bob, maxRetries: 0 });
  const settle = async (work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (err) {
      if (word !== 'block') throw err;
    }
  };
  if (format === 'openai_chat') {
    await settle(async () => {
      if (!stream) return openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: text }], tools: [chatTool] });
      for await (const _ of await openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: text }], tools: [chatTool], stream: true }));
      return undefined;
    });
  } else if (format === 'openai_responses') {
    await settle(async () => {
      if (!stream) return openai.responses.create({ model: 'mock-1', input: text, tools: [responsesTool] });
      return openai.responses.stream({ model: 'mock-1', input: text, tools: [responsesTool] }).finalResponse();
    });
  } else if (format === 'anthropic_messages') {
    const params = { model: 'mock-1', max_tokens: 64, messages: [{ role: 'user' as const, content: text }], tools: [anthropicTool] };
    await settle(async () => (stream ? anthropic.messages.stream(params).finalMessage() : anthropic.messages.create(params)));
  } else {
    const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    const res = await fetch(`${gw.url}/v1beta/models/mock-1:${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': KEYS.bob },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], tools: geminiTools }),
    });
    await res.text();
  }
}

describe('capture: every format, streamed and not, with allowed, stripped and blocked tool calls', function () {
  this.timeout(60_000);
  let gw: Gateway;
  before(async () => {
    gw = await startCaptureGateway();
  });
  after(() => gw?.close());

  const FORMATS = ['openai_chat', 'openai_responses', 'anthropic_messages', 'gemini_generate_content'] as const;

  it('records each request with its tool call, the decision, the deciding plugin and its reason', async () => {
    for (const format of FORMATS) for (const stream of [false, true]) for (const word of WORDS) await send(gw, format, stream, word);
    assert.equal(await gw.capture.flush(), true);

    const list = await api<{ requests: RequestSummary[]; next_cursor: string | null }>(gw.url, '/api/requests?limit=500', KEYS.alice);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.requests.length, FORMATS.length * 2 * WORDS.length);
    assert.equal(list.body.next_cursor, null);

    for (const format of FORMATS) {
      for (const stream of [false, true]) {
        for (const word of WORDS) {
          const label = `${format} ${stream ? 'streamed' : 'plain'} ${word}`;
          const rows = list.body.requests.filter((r) => r.format === format && r.streamed === stream);
          const matching: RequestDetail[] = [];
          for (const r of rows) {
            const detail = await api<{ request: RequestDetail }>(gw.url, `/api/requests/${r.id}`, KEYS.alice);
            assert.equal(detail.status, 200, detail.text);
            if (JSON.stringify(detail.body.request.tool_calls[0]?.arguments ?? {}).includes(`${word} the disk`)) matching.push(detail.body.request);
          }
          assert.equal(matching.length, 1, `${label}: one request`);
          const request = matching[0] as RequestDetail;
          assert.equal(request.login, 'bob@example.com', label);
          assert.equal(request.model, 'mock-1', label);
          assert.equal(request.provider, 'mock', label);
          assert.equal(request.tool_calls.length, 1, label);
          const call = request.tool_calls[0];
          assert.equal(call?.name, 'bash', label);
          assert.equal(call?.kind, 'function', label);
          assert.equal(call?.decision, word, label);
          assert.equal(call?.decided_by, word === 'allow' ? null : POLICY, label);
          assert.equal(call?.reason, word === 'allow' ? null : `no ${word === 'block' ? 'blocking' : 'stripping'} words in bash`, label);
          assert.equal(typeof call?.decision_ms, 'number', label);
          const summary = list.body.requests.find((r) => r.id === request.id) as RequestSummary;
          assert.deepEqual(summary.tool_calls, { total: 1, allow: word === 'allow' ? 1 : 0, block: word === 'block' ? 1 : 0, strip: word === 'strip' ? 1 : 0 }, label);
          // A blocked stream ends at the call, before the upstream reported usage.
          if (!(stream && word === 'block')) assert.ok(request.usage.input_tokens > 0, `${label}: usage recorded`);
          assert.ok(request.request_body !== null && typeof request.request_body === 'object', `${label}: request body kept`);
          assert.ok(request.response_body !== null, `${label}: response body kept`);
          if (word === 'allow') assert.equal(request.client_response_body, null, `${label}: the client got the provider's answer`);
          else assert.ok(request.client_response_body !== null, `${label}: what the client got instead is kept`);
          if (word === 'block') assert.ok(request.status >= 400 || request.streamed, `${label}: refused`);
          assert.equal(request.request_headers?.authorization ?? request.request_headers?.['x-api-key'] ?? request.request_headers?.['x-goog-api-key'], '***', `${label}: credentials redacted`);
        }
      }
    }
    const stored = JSON.stringify(list.body) + (await api(gw.url, '/api/sessions', KEYS.alice)).text;
    assert.ok(!stored.includes(KEYS.bob), 'no client key anywhere');
  });
});
