import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { strippedCallNote } from '@tollgate/core/formats';
import { type FakeOso, type FakeUpstream, type TestGateway, jsonResponder, sseResponder, startFakeOso, startFakeUpstream, startTestGateway } from '@tollgate/testing';
import OpenAI from 'openai';
import { defineOsoPlugin } from '@tollgate/plugin-oso';
import { ALICE, ANTHROPIC_TOOLS, BOB, IDENTITY, KEYS, OPENAI_TOOLS, OPEN_GRANT, allowTool, anthropicStreamToolNames, enforceAt, openAiStreamToolNames, osoDecisionsOf, startOsoGateway } from './helpers.js';

const ASK_WEATHER = 'please call get_weather for Paris';
const ASK_DELETE = 'please call delete_file on /etc/passwd';

/** Raw POST to the gateway (to see exactly what the client receives). */
async function raw(gw: TestGateway, path: string, body: unknown, key: string = KEYS.alice): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

describe('Oso enforcement end to end (real SDK clients, fake Oso)', () => {
  let oso: FakeOso;
  before(async () => {
    oso = await startFakeOso({ policy: [allowTool(ALICE, 'get_weather')] });
  });
  after(async () => oso.close());
  beforeEach(() => {
    oso.reset();
    oso.setPolicy([allowTool(ALICE, 'get_weather')]);
  });
  afterEach(async () => {
    if (!oso.isUp) await oso.up();
  });

  for (const onDeny of ['block', 'strip'] as const) {
    describe(`on_deny: ${onDeny}`, () => {
      let gw: TestGateway;
      let openai: OpenAI;
      let anthropic: Anthropic;
      before(async () => {
        gw = await startOsoGateway({ oso: { enforce: enforceAt(oso, { on_deny: onDeny }) } });
        openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
        anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEYS.alice, maxRetries: 0 });
      });
      after(async () => gw.close());

      it('OpenAI chat, not streamed: an allowed call arrives intact; a denied one never reaches the client', async () => {
        const ok = await openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_WEATHER }], tools: OPENAI_TOOLS });
        const call = ok.choices[0]?.message.tool_calls?.[0];
        assert.equal(call?.type === 'function' && call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}'), { city: ASK_WEATHER });
        if (onDeny === 'block') {
          await assert.rejects(openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS }), (err: unknown) => {
            assert.ok(err instanceof OpenAI.APIError);
            assert.equal(err.status, 403);
            assert.match(err.message, /tool call "delete_file" denied by Oso policy: User:alice@example.com may not "call" Tool:delete_file/);
            return true;
          });
        } else {
          const res = await openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS });
          assert.equal(res.choices[0]?.message.tool_calls?.length ?? 0, 0);
          assert.match(res.choices[0]?.message.content ?? '', /tool call "delete_file" was removed: tool call "delete_file" denied by Oso policy/);
        }
        const exchange = gw.exchanges.at(-1);
        assert.deepEqual(exchange?.toolDecisions.map((d) => [d.call.name, d.outcome, d.by]), [['delete_file', onDeny === 'block' ? 'blocked' : 'stripped', 'oso']]);
        assert.equal(osoDecisionsOf(exchange?.decisions ?? [])[0]?.allowed, false);
      });

      it('OpenAI chat, streamed: the allowed call streams intact; the denied call’s events never reach the client', async () => {
        const stream = openai.chat.completions.stream({ model: 'mock-1', messages: [{ role: 'user', content: ASK_WEATHER }], tools: OPENAI_TOOLS });
        const final = await stream.finalChatCompletion();
        const call = final.choices[0]?.message.tool_calls?.[0];
        assert.equal(call?.type === 'function' && call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}'), { city: ASK_WEATHER });

        const denied = await raw(gw, '/v1/chat/completions', { model: 'mock-1', stream: true, messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS });
        assert.deepEqual(openAiStreamToolNames(denied.text), []);
        if (onDeny === 'block') {
          assert.match(denied.text, /denied by Oso policy/);
          await assert.rejects(openai.chat.completions.stream({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS }).finalChatCompletion(), /denied by Oso policy/);
        } else {
          const res = await openai.chat.completions.stream({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS }).finalChatCompletion();
          assert.equal(res.choices[0]?.message.tool_calls?.length ?? 0, 0);
          assert.match(res.choices[0]?.message.content ?? '', /tool call "delete_file" was removed/);
        }
      });

      it('Anthropic messages, not streamed and streamed', async () => {
        const ok = await anthropic.messages.create({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_WEATHER }], tools: ANTHROPIC_TOOLS });
        const use = ok.content.find((b) => b.type === 'tool_use');
        assert.equal(use?.type === 'tool_use' && use.name, 'get_weather');
        assert.deepEqual(use?.type === 'tool_use' && use.input, { city: ASK_WEATHER });
        const streamed = await anthropic.messages.stream({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_WEATHER }], tools: ANTHROPIC_TOOLS }).finalMessage();
        const sUse = streamed.content.find((b) => b.type === 'tool_use');
        assert.deepEqual(sUse?.type === 'tool_use' && [sUse.name, sUse.input], ['get_weather', { city: ASK_WEATHER }]);

        const deniedStream = await raw(gw, '/v1/messages', { model: 'mock-1', max_tokens: 100, stream: true, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS });
        assert.deepEqual(anthropicStreamToolNames(deniedStream.text), []);
        if (onDeny === 'block') {
          await assert.rejects(anthropic.messages.create({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS }), (err: unknown) => {
            assert.ok(err instanceof Anthropic.APIError);
            assert.equal(err.status, 403);
            assert.match(err.message, /denied by Oso policy/);
            return true;
          });
          await assert.rejects(anthropic.messages.stream({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS }).finalMessage(), /denied by Oso policy/);
        } else {
          for (const msg of [
            await anthropic.messages.create({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS }),
            await anthropic.messages.stream({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS }).finalMessage(),
          ]) {
            assert.ok(!msg.content.some((b) => b.type === 'tool_use'));
            assert.ok(msg.content.some((b) => b.type === 'text' && b.text.includes('tool call "delete_file" was removed')));
          }
        }
      });

      it('asks Oso at most once per (actor, tool) across requests, formats and streaming (cache)', async () => {
        const bobOpenAi = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.bob, maxRetries: 0 });
        const bobAnthropic = new Anthropic({ baseURL: gw.url, apiKey: KEYS.bob, maxRetries: 0 });
        const before = oso.count('authorize');
        for (let i = 0; i < 3; i++) {
          for (const [client, anth, key] of [[openai, anthropic, KEYS.alice], [bobOpenAi, bobAnthropic, KEYS.bob]] as const) {
            await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_WEATHER }], tools: OPENAI_TOOLS }).catch(() => undefined);
            await client.chat.completions.stream({ model: 'mock-1', messages: [{ role: 'user', content: ASK_WEATHER }], tools: OPENAI_TOOLS }).finalChatCompletion().catch(() => undefined);
            await anth.messages.create({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_WEATHER }], tools: ANTHROPIC_TOOLS }).catch(() => undefined);
            await raw(gw, '/v1/chat/completions', { model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS }, key);
            await raw(gw, '/v1/messages', { model: 'mock-1', max_tokens: 100, stream: true, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS }, key);
          }
        }
        // Alice's two tools were decided by the tests above; Bob's two are new: 2 calls for 30 tool calls.
        assert.equal(oso.count('authorize') - before, 2);
        assert.deepEqual(
          oso.callsTo('authorize').slice(before).map((c) => [c.body.actor_id, c.body.resource_id]).sort(),
          [
            [BOB, 'delete_file'],
            [BOB, 'get_weather'],
          ],
        );
      });
    });
  }

  describe('the other API formats (OpenAI responses, Gemini)', () => {
    it('allowed calls arrive, denied calls never do, streamed and not', async () => {
      const gw = await startOsoGateway({ oso: { enforce: enforceAt(oso) } });
      try {
        const responses = (content: string, stream: boolean) =>
          raw(gw, '/v1/responses', { model: 'mock-1', stream, input: content, tools: OPENAI_TOOLS.map((t) => ({ type: 'function', name: t.function.name, parameters: t.function.parameters })) });
        const gemini = (content: string, stream: boolean) =>
          raw(gw, `/v1beta/models/mock-1:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
            contents: [{ role: 'user', parts: [{ text: content }] }],
            tools: [{ functionDeclarations: OPENAI_TOOLS.map((t) => ({ name: t.function.name, parameters: t.function.parameters })) }],
          });
        for (const send of [responses, gemini]) {
          for (const stream of [false, true]) {
            const ok = await send(ASK_WEATHER, stream);
            assert.equal(ok.status, 200);
            assert.match(ok.text, /"name":"get_weather"/);
            const denied = await send(ASK_DELETE, stream);
            assert.doesNotMatch(denied.text, /"name":"delete_file"/);
            assert.match(denied.text, /denied by Oso policy/);
            if (!stream) assert.equal(denied.status, 403);
          }
        }
        assert.equal(oso.count('authorize'), 2, 'one check per tool, whatever the format');
      } finally {
        await gw.close();
      }
    });
  });

  describe('Oso down', () => {
    for (const policy of ['fail_closed', 'fail_open'] as const) {
      it(`${policy}: ${policy === 'fail_closed' ? 'no tool call reaches the client' : 'tool calls pass'} (OpenAI chat and Anthropic, streamed and not)`, async () => {
        const gw = await startOsoGateway({ oso: { enforce: enforceAt(oso, { fail_policy: policy, retries: 0 }) } });
        const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
        const anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEYS.alice, maxRetries: 0 });
        try {
          await oso.down();
          const chat = () => openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS });
          const chatStream = () => raw(gw, '/v1/chat/completions', { model: 'mock-1', stream: true, messages: [{ role: 'user', content: ASK_DELETE }], tools: OPENAI_TOOLS });
          const messages = () => anthropic.messages.create({ model: 'mock-1', max_tokens: 100, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS });
          const messagesStream = () => raw(gw, '/v1/messages', { model: 'mock-1', max_tokens: 100, stream: true, messages: [{ role: 'user', content: ASK_DELETE }], tools: ANTHROPIC_TOOLS });
          if (policy === 'fail_closed') {
            await assert.rejects(chat(), (err: unknown) => err instanceof OpenAI.APIError && err.status === 503 && /could not be authorized: Oso is unavailable/.test(err.message));
            await assert.rejects(messages(), (err: unknown) => err instanceof Anthropic.APIError && err.status === 503);
            assert.deepEqual(openAiStreamToolNames((await chatStream()).text), []);
            assert.deepEqual(anthropicStreamToolNames((await messagesStream()).text), []);
          } else {
            const chatCall = (await chat()).choices[0]?.message.tool_calls?.[0];
            assert.equal(chatCall?.type === 'function' && chatCall.function.name, 'delete_file');
            const use = (await messages()).content.find((b) => b.type === 'tool_use');
            assert.equal(use?.type === 'tool_use' && use.name, 'delete_file');
            assert.deepEqual(openAiStreamToolNames((await chatStream()).text), ['delete_file']);
            assert.deepEqual(anthropicStreamToolNames((await messagesStream()).text), ['delete_file']);
          }
          const decision = osoDecisionsOf(gw.exchanges.at(-1)?.decisions ?? [])[0];
          assert.equal(decision?.data?.source, policy);
          // Failures are not cached: once Oso is back, the policy decides again.
          await oso.up();
          await assert.rejects(chat(), /denied by Oso policy/);
        } finally {
          await gw.close();
        }
      });
    }
  });

  describe('a response with several tool calls', () => {
    let upstream: FakeUpstream;
    let gw: TestGateway;
    before(async () => {
      upstream = await startFakeUpstream();
      gw = await startTestGateway({
        config: {
          providers: {
            openai: { baseurl: `${upstream.url}/v1`, apikey: 'sk-provider-openai', models: ['gpt-5'], compatibility: { openai_chat: true } },
            anthropic: { baseurl: upstream.url, apikey: 'sk-provider-anthropic', authorization: 'x-api-key', models: ['claude-test-1'], compatibility: { anthropic_messages: true } },
          },
          identity: IDENTITY,
          grants: [OPEN_GRANT],
        },
        plugins: ['grants', [defineOsoPlugin(), { enforce: enforceAt(oso, { on_deny: 'strip' }) }]],
      });
    });
    after(async () => {
      await gw.close();
      await upstream.close();
    });

    const call = (id: string, name: string, args: unknown) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
    const chatJson = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-5',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [call('call_a', 'get_weather', { city: 'Paris' }), call('call_b', 'delete_file', { path: '/' }), call('call_c', 'get_weather', { city: 'Rome' })] } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };

    it('OpenAI chat: checks the calls in parallel, one Oso call per distinct tool, strips only the denied one', async () => {
      oso.reset();
      upstream.respond(jsonResponder(chatJson));
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
      const res = await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'go' }], tools: OPENAI_TOOLS });
      assert.deepEqual(
        res.choices[0]?.message.tool_calls?.map((c) => c.id),
        ['call_a', 'call_c'],
      );
      assert.equal(oso.count('authorize'), 2);
      const exchange = gw.exchanges.at(-1);
      assert.deepEqual(
        osoDecisionsOf(exchange?.decisions ?? [])
          .map((d) => [d.data?.call_id, d.allowed, d.data?.source])
          .sort(),
        [
          ['call_a', true, 'oso'],
          ['call_b', false, 'oso'],
          ['call_c', true, 'shared'],
        ],
      );
    });

    it('Anthropic messages, streamed: several tool_use blocks, the denied one stripped', async () => {
      oso.reset();
      const events = [
        { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } },
        ...[
          ['toolu_a', 'get_weather', { city: 'Paris' }],
          ['toolu_b', 'delete_file', { path: '/' }],
          ['toolu_c', 'get_weather', { city: 'Rome' }],
        ].flatMap(([id, name, input], index) => [
          { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } },
          { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } },
          { type: 'content_block_stop', index },
        ]),
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
        { type: 'message_stop' },
      ];
      upstream.respond(sseResponder(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)));
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEYS.alice, maxRetries: 0 });
      const msg = await anthropic.messages.stream({ model: 'claude-test-1', max_tokens: 100, messages: [{ role: 'user', content: 'go' }], tools: ANTHROPIC_TOOLS }).finalMessage();
      assert.deepEqual(
        msg.content.filter((b) => b.type === 'tool_use').map((b) => (b.type === 'tool_use' ? [b.id, b.input] : [])),
        [
          ['toolu_a', { city: 'Paris' }],
          ['toolu_c', { city: 'Rome' }],
        ],
      );
      assert.ok(msg.content.some((b) => b.type === 'text' && b.text === strippedCallNote('delete_file', 'tool call "delete_file" denied by Oso policy: User:alice@example.com may not "call" Tool:delete_file')));
      assert.ok(oso.count('authorize') <= 2);
    });
  });

  describe('filter_tools end to end', () => {
    it('the model never sees a forbidden tool (what the provider receives is filtered)', async () => {
      const gw = await startOsoGateway({ oso: { enforce: enforceAt(oso, { filter_tools: true }) } });
      try {
        const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.alice, maxRetries: 0 });
        // The mock model calls the tool the user names if it is declared, else the first declared tool.
        const res = await openai.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: ASK_DELETE }], tools: [OPENAI_TOOLS[1]!, OPENAI_TOOLS[0]!] });
        const call = res.choices[0]?.message.tool_calls?.[0];
        assert.equal(call?.type === 'function' && call.function.name, 'get_weather');
        const forwarded = gw.exchanges.at(-1)?.requestBody as { tools: Array<{ function: { name: string } }> };
        assert.deepEqual(
          forwarded.tools.map((t) => t.function.name),
          ['get_weather'],
        );
        assert.equal(oso.count('authorize'), 2, 'one check per declared tool; the tool call reused the filter’s decision');
      } finally {
        await gw.close();
      }
    });
  });
});
