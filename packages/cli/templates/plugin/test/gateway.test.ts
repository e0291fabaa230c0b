import assert from 'node:assert/strict';
import { type TestGateway, startTestGateway } from '@tollgate/testing';
import __camel__Plugin from '__package__';

const BASH = { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };

/** Asks the mock LLM for a `bash` call: it puts the user's message into `command`. */
async function ask(tg: TestGateway, content: string, stream = false): Promise<Response> {
  return fetch(`${tg.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-1', stream, messages: [{ role: 'user', content }], tools: [BASH] }),
  });
}

// Integration tests over real HTTP on 127.0.0.1: a gateway with the built-in mock LLM, which
// answers with a tool call carrying the user's message.
describe('__name__ (over HTTP)', () => {
  let tg: TestGateway;
  beforeEach(async () => {
    tg = await startTestGateway({
      config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } },
      plugins: [[__camel__Plugin, { deny: ['rm -rf'] }]],
    });
  });
  afterEach(() => tg.close());

  it('lets a harmless tool call reach the client', async () => {
    const res = await ask(tg, 'list the files in /tmp');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
    assert.deepEqual(JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? '{}'), { command: 'list the files in /tmp' });
  });

  it('answers 403 in the OpenAI format instead of a denied tool call', async () => {
    const res = await ask(tg, 'run rm -rf /tmp/x');
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, 'tool_call_denied');
    assert.match(body.error.message, /rm -rf/);
    const exchange = await tg.exchange(1);
    assert.deepEqual(exchange.toolDecisions.map((d) => d.outcome), ['blocked']);
  });

  it('ends a stream with an error event, and the call never reaches the client', async () => {
    const res = await ask(tg, 'run rm -rf /tmp/x', true);
    const text = await res.text();
    assert.match(text, /"code":"tool_call_denied"/);
    assert.doesNotMatch(text, /"name":"bash"/);
  });
});
