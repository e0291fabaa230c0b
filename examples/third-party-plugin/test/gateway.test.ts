import assert from 'node:assert/strict';
import { type TestGateway, startTestGateway } from '@tollgate/testing';
import OpenAI, { APIError } from 'openai';
import toolAllowlist from 'tollgate-plugin-tool-allowlist';

const tool = (name: string): OpenAI.Chat.ChatCompletionTool => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
});

// Over real HTTP with the official OpenAI SDK, against a gateway with the built-in mock LLM (it
// calls the tool the message names, with the message as its argument). Callers are told apart
// by their API keys.
describe('tool-allowlist (over HTTP)', () => {
  let tg: TestGateway;
  const client = (apiKey: string) => new OpenAI({ baseURL: `${tg.url}/v1`, apiKey, maxRetries: 0 });
  const ask = (apiKey: string, content: string, tools: string[]) =>
    client(apiKey).chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content }], tools: tools.map(tool) });

  beforeEach(async () => {
    tg = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } },
        identity: { api_keys: { 'key-alice': 'alice@example.com', 'key-ops': { login: 'ops@example.com', groups: ['group:ops'] } } },
      },
      plugins: [[toolAllowlist, { rules: [{ users: ['group:ops'], allow: ['*'] }, { users: ['*'], deny: ['bash', 'delete_*'] }] }]],
    });
  });
  afterEach(() => tg.close());

  it('refuses a denied tool call with 403 in the OpenAI format', async () => {
    await assert.rejects(ask('key-alice', 'use bash to list /tmp', ['read_file', 'bash']), (err: unknown) => {
      assert.ok(err instanceof APIError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'tool_not_allowed');
      assert.match(err.message, /tool "bash" is not allowed for alice@example\.com/);
      return true;
    });
  });

  it('lets the same call through for a caller a rule allows, and other tools for everyone', async () => {
    const ops = await ask('key-ops', 'use bash to list /tmp', ['read_file', 'bash']);
    assert.equal(ops.choices[0]?.message.tool_calls?.[0]?.type === 'function' && ops.choices[0].message.tool_calls[0].function.name, 'bash');
    const alice = await ask('key-alice', 'read_file /etc/hosts', ['read_file', 'bash']);
    assert.equal(alice.choices[0]?.finish_reason, 'tool_calls');
  });

  it('ends a stream with an error event; the SDK throws and the call never arrives', async () => {
    const stream = await client('key-alice').chat.completions.create({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'bash: rm -rf /' }], tools: [tool('bash')] });
    const names: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) for (const c of chunk.choices[0]?.delta.tool_calls ?? []) if (c.function?.name) names.push(c.function.name);
      })(),
      /tool "bash" is not allowed/,
    );
    assert.deepEqual(names, []);
  });
});
