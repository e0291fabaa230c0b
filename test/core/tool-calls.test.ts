import assert from 'node:assert/strict';
import { type Denial, type PluginHost, STAGE_GUARDRAIL, type ToolCallContext, type TollgatePlugin } from '@tollgate/core';
import { strippedCallNote } from '@tollgate/core/formats';
import { jsonResponder, readFixture, sseResponder } from '@tollgate/testing';
import { BIN_PARALLEL, BIN_SINGLE, chat, clientView, deferred, fixtureFrames, fixtureWire, openStream, postChat, sseData, steppedResponder, useResources } from './helpers.js';

/** A plugin whose onToolCall tap returns `decide(call)`. */
function policy(decide: (ctx: ToolCallContext) => Denial | undefined | Promise<Denial | undefined>, name = 'policy'): TollgatePlugin {
  return { name, apply: (host: PluginHost) => host.hooks.onToolCall.tapPromise({ name, stage: STAGE_GUARDRAIL }, async (ctx) => decide(ctx)) };
}

const block = (tool: string, message = `tool ${tool} is not allowed`): TollgatePlugin => policy((ctx) => (ctx.call.name === tool ? { message } : undefined));
const strip = (tools: string[], message = 'not for you'): TollgatePlugin => policy((ctx) => (tools.includes(ctx.call.name) ? { message, action: 'strip' } : undefined));

const DEEPSEEK_JSON = () => readFixture('openai-chat', 'deepseek-tool-call.json');

describe('onToolCall: non-streaming', () => {
  const r = useResources();

  it('block: 403 in the OpenAI envelope, the exchange records the decision', async () => {
    const upstream = await r.upstream(jsonResponder(DEEPSEEK_JSON()));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [block('weather', 'weather lookups are blocked')] });
    const res = await postChat(gw.url, chat('deepseek-reasoner'));
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), { error: { message: 'weather lookups are blocked', type: 'permission_error', param: null, code: 'tool_call_blocked' } });
    const e = await gw.exchange();
    assert.equal(e.status, 403);
    assert.equal(e.upstreamStatus, 200);
    assert.equal(e.error?.message, 'weather lookups are blocked');
    assert.deepEqual(e.toolCalls.map((c) => c.name), ['weather'], 'the exchange keeps the calls the model made');
    assert.deepEqual(e.toolDecisions.map((d) => [d.call.name, d.outcome, d.by]), [['weather', 'blocked', 'policy']]);
  });

  it('strip: the call is removed, a note tells why, finish_reason becomes stop', async () => {
    const upstream = await r.upstream(jsonResponder(DEEPSEEK_JSON()));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [strip(['weather'], 'weather is off limits')] });
    const res = await postChat(gw.url, chat('deepseek-reasoner'));
    assert.equal(res.status, 200);
    const body = res.json<{ choices: Array<{ finish_reason: string; message: { content: string; tool_calls?: unknown; reasoning_content: string } }>; usage: { total_tokens: number } }>();
    assert.equal(res.headers['content-length'], String(res.body.length));
    const choice = body.choices[0]!;
    assert.equal(choice.message.tool_calls, undefined);
    assert.equal(choice.message.content, strippedCallNote('weather', 'weather is off limits'));
    assert.equal(choice.finish_reason, 'stop');
    assert.ok(choice.message.reasoning_content.startsWith('The user is asking'));
    assert.equal(body.usage.total_tokens, 431);
    const e = await gw.exchange();
    assert.deepEqual(e.toolDecisions.map((d) => [d.outcome, d.by, d.message]), [['stripped', 'policy', 'weather is off limits']]);
    assert.deepEqual(e.toolCalls.map((c) => c.name), ['weather']);
  });

  it('a tap that throws blocks the call (fail closed) with a 500 that names no internals', async () => {
    const upstream = await r.upstream(jsonResponder(DEEPSEEK_JSON()));
    const failing = policy(() => {
      throw new Error('policy backend at 10.1.2.3 is down');
    }, 'broken-policy');
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [failing] });
    const res = await postChat(gw.url, chat('deepseek-reasoner'));
    assert.equal(res.status, 500);
    assert.equal(res.json().error.type, 'server_error');
    const e = await gw.exchange();
    assert.deepEqual(e.toolDecisions.map((d) => [d.outcome, d.by]), [['blocked', 'broken-policy']]);
    assert.ok(gw.logs.lines.some((l) => l.msg === 'tool-call policy failed; blocking the call' && l.plugin === 'broken-policy'));
  });

  it('each call of a response is decided on its own', async () => {
    const seen: string[] = [];
    const upstream = await r.upstream(
      jsonResponder({
        id: 'chatcmpl-x',
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_a', type: 'function', function: { name: 'read', arguments: '{"path":"/etc/hosts"}' } },
                { id: 'call_b', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } },
              ],
            },
          },
        ],
      }),
    );
    const gw = await r.gatewayFor(upstream, {
      plugins: [
        policy((ctx) => {
          seen.push(`${ctx.call.id}:${JSON.stringify(ctx.call.params)}:${ctx.streaming}:${ctx.request.model}`);
          return ctx.call.name === 'bash' ? { message: 'no shell', action: 'strip' } : undefined;
        }),
      ],
    });
    const res = await postChat(gw.url, chat('gpt-4o'));
    const message = res.json().choices[0].message;
    assert.deepEqual(message.tool_calls.map((c: { id: string }) => c.id), ['call_a']);
    assert.equal(res.json().choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(seen.sort(), ['call_a:{"path":"/etc/hosts"}:false:gpt-4o', 'call_b:{"command":"ls"}:false:gpt-4o']);
  });
});

describe('onToolCall: streaming', () => {
  const r = useResources();

  it('block before any byte was sent: a plain 403 in the OpenAI envelope, and the upstream is hung up on', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const never = deferred();
    // The upstream sends the whole call, then the finish chunk, then stalls before the usage chunk.
    const finish = frames.findIndex((f) => f.includes('"finish_reason":"tool_calls"'));
    const stepped = steppedResponder(frames, { [finish + 1]: never.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream, { plugins: [block('GetWeatherArgs')] });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.equal(res.status, 403);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), { error: { message: 'tool GetWeatherArgs is not allowed', type: 'permission_error', param: null, code: 'tool_call_blocked' } });
    await stepped.hungUp;
    const e = await gw.exchange();
    assert.equal(e.status, 403);
    assert.equal(e.aborted, false);
    assert.deepEqual(e.toolDecisions.map((d) => d.outcome), ['blocked']);
  });

  it('block after text was sent: an SSE error event ends the stream, the call never reaches the client', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire('deepseek-tool-call.chunks.txt')]));
    const gw = await r.gatewayFor(upstream, { models: ['deepseek-reasoner'], plugins: [block('weather')] });
    const res = await postChat(gw.url, chat('deepseek-reasoner', { stream: true }));
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const data = sseData(res.text);
    assert.deepEqual(data.at(-1), { error: { message: 'tool weather is not allowed', type: 'permission_error', param: null, code: 'tool_call_blocked' } });
    assert.ok(!data.includes('[DONE]'));
    assert.ok(!res.text.includes('call_00_ioIn7yN9p1ZOMNpDLwd4MgAF'));
    assert.ok(!res.text.includes('"tool_calls"'));
    // The reasoning before the call did flow.
    assert.ok(res.text.includes('"reasoning_content":"The"'));
    const e = await gw.exchange();
    assert.equal(e.status, 200);
    assert.equal(e.error?.code, 'tool_call_blocked');
    assert.deepEqual(e.toolDecisions.map((d) => [d.call.name, d.outcome]), [['weather', 'blocked']]);
  });

  it('strip one of two parallel calls: removed, note added, the other renumbered to index 0', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream, { plugins: [strip(['GetWeatherArgs'])] });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    assert.equal(res.status, 200);
    const view = clientView(res.text);
    assert.deepEqual(view.calls.map((c) => [c.index, c.id, c.name, JSON.parse(c.arguments)]), [[0, 'call_DNYTawLBoN8fj3KN6qU9N1Ou', 'get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }]]);
    assert.equal(view.content, `${strippedCallNote('GetWeatherArgs', 'not for you')}\n`);
    assert.equal(view.finish, 'tool_calls');
    assert.ok(view.done);
    assert.ok(!res.text.includes('call_JMW1whyEaYG438VE1OIflxA2'));
    assert.ok(!res.text.includes('Edinburgh'));
    const e = await gw.exchange();
    assert.deepEqual(e.toolDecisions.map((d) => [d.call.name, d.outcome]).sort(), [['GetWeatherArgs', 'stripped'], ['get_stock_price', 'allowed']]);
    assert.equal(e.toolCalls.length, 2, 'the exchange keeps what the model sent');
  });

  it('strip the second of two parallel calls: the first is untouched', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream, { plugins: [strip(['get_stock_price'])] });
    const view = clientView((await postChat(gw.url, chat('gpt-4o', { stream: true }))).text);
    assert.deepEqual(view.calls.map((c) => [c.index, c.id, JSON.parse(c.arguments)]), [[0, 'call_JMW1whyEaYG438VE1OIflxA2', { city: 'Edinburgh', country: 'GB', units: 'c' }]]);
    assert.equal(view.finish, 'tool_calls');
    assert.match(view.content, /get_stock_price/);
  });

  it('strip every call: finish_reason becomes stop, usage still arrives', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream, { plugins: [strip(['GetWeatherArgs', 'get_stock_price'])] });
    const res = await postChat(gw.url, chat('gpt-4o', { stream: true }));
    const view = clientView(res.text);
    assert.deepEqual(view.calls, []);
    assert.equal(view.finish, 'stop');
    assert.ok(view.done);
    const usage = sseData(res.text).find((d) => typeof d === 'object' && (d as { usage?: unknown }).usage) as { usage: { total_tokens: number } };
    assert.equal(usage.usage.total_tokens, 209);
  });

  it('strip a no-argument call (Groq): the text chunk before it flows, the call does not', async () => {
    const upstream = await r.upstream(sseResponder([fixtureWire('groq-tool-call.chunks.txt')]));
    const gw = await r.gatewayFor(upstream, { models: ['llama-3.3-70b-versatile'], plugins: [strip(['weather'])] });
    const view = clientView((await postChat(gw.url, chat('llama-3.3-70b-versatile', { stream: true }))).text);
    assert.deepEqual(view.calls, []);
    assert.equal(view.finish, 'stop');
    assert.match(view.content, /weather/);
  });

  it('with no onToolCall taps nothing is held: a tool call event reaches the client while the upstream still streams', async () => {
    const frames = fixtureFrames(BIN_SINGLE);
    const release = deferred();
    const stepped = steppedResponder(frames, { 1: release.promise });
    const upstream = await r.upstream(stepped.responder);
    const gw = await r.gatewayFor(upstream);
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    // Frame 0 opens the tool call; it arrives although the upstream has sent nothing else.
    await stream.until((t) => t.includes('call_c91SqDXlYFuETYv8mUHzz6pp'));
    assert.equal(stream.received(), frames[0]);
    release.resolve();
    assert.equal(await stream.done(), frames.join(''));
  });

  it('a pending call holds only its own events: text of another choice flows while onToolCall runs', async () => {
    // Derived from the single-call capture: a second choice (n=2) streams text alongside the call.
    const base = fixtureFrames(BIN_SINGLE).map((f) => (f.startsWith('data: {') ? JSON.parse(f.slice(6)) : f));
    const head = base[0] as { id: string; object: string; created: number; model: string };
    const textFrame = (content: string, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: head.id, object: head.object, created: head.created, model: head.model, choices: [{ index: 1, delta: { content }, logprobs: null, finish_reason: finish }] })}\n\n`;
    const callFrames = base.map((d) => (typeof d === 'string' ? d : `data: ${JSON.stringify(d)}\n\n`));
    const finish = callFrames.findIndex((f) => f.includes('"finish_reason":"tool_calls"'));
    const frames = [...callFrames.slice(0, finish + 1), textFrame('Meanwhile, '), textFrame('in choice one.'), textFrame('', 'stop'), ...callFrames.slice(finish + 1)];
    const upstream = await r.upstream(sseResponder([frames.join('')]));
    const tapStarted = deferred();
    const release = deferred();
    const gw = await r.gatewayFor(upstream, {
      plugins: [
        policy(async () => {
          tapStarted.resolve();
          await release.promise;
          return undefined;
        }),
      ],
    });
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true, n: 2 }));
    await tapStarted.promise;
    const before = await stream.until((t) => t.includes('in choice one.'));
    assert.ok(!before.includes('call_c91SqDXlYFuETYv8mUHzz6pp'), 'the pending call is held');
    assert.ok(!before.includes('[DONE]'), 'ordered events wait behind the held call');
    release.resolve();
    const all = await stream.done();
    const view = clientView(all);
    assert.deepEqual(view.calls.map((c) => [c.id, JSON.parse(c.arguments)]), [['call_c91SqDXlYFuETYv8mUHzz6pp', { city: 'Edinburgh', country: 'UK', units: 'c' }]]);
    assert.equal(view.finish, 'tool_calls');
    assert.ok(view.done);
    // Every upstream event reached the client once (the held ones after the text).
    assert.deepEqual([...sseData(all)].map((d) => JSON.stringify(d)).sort(), frames.flatMap((f) => sseData(f)).map((d) => JSON.stringify(d)).sort());
  });

  it('a slow decision of the first parallel call does not let the second call overtake it', async () => {
    const first = deferred();
    const secondDecided = deferred();
    const upstream = await r.upstream(sseResponder([fixtureWire(BIN_PARALLEL)]));
    const gw = await r.gatewayFor(upstream, {
      plugins: [
        policy(async (ctx) => {
          if (ctx.call.name === 'GetWeatherArgs') await first.promise;
          else secondDecided.resolve();
          return undefined;
        }),
      ],
    });
    const stream = openStream(gw.url, chat('gpt-4o', { stream: true }));
    await secondDecided.promise;
    assert.ok(!stream.received().includes('call_DNYTawLBoN8fj3KN6qU9N1Ou'), 'call 1 waits behind call 0');
    first.resolve();
    // Released in order: the client gets exactly the upstream bytes.
    assert.equal(await stream.done(), fixtureWire(BIN_PARALLEL).toString('utf8'));
  });
});

describe('onRequest', () => {
  const r = useResources();

  it('a Denial refuses the request in the OpenAI envelope; the provider is never called', async () => {
    const upstream = await r.upstream(jsonResponder({}));
    const guard: TollgatePlugin = { name: 'guard', apply: (h) => h.hooks.onRequest.tap('guard', (ctx) => (ctx.userMessage.includes('Edinburgh') ? { message: 'no Scotland today', type: 'guardrail_blocked' } : undefined)) };
    const gw = await r.gatewayFor(upstream, { plugins: [guard] });
    const res = await postChat(gw.url, chat('gpt-4o'));
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), { error: { message: 'no Scotland today', type: 'guardrail_blocked', param: null, code: null } });
    assert.equal(upstream.requests.length, 0);
    assert.equal((await gw.exchange()).status, 403);
  });

  it('a tap that throws refuses the request with 500 naming the plugin, not the error', async () => {
    const upstream = await r.upstream(jsonResponder({}));
    const broken: TollgatePlugin = {
      name: 'broken',
      apply: (h) =>
        h.hooks.onRequest.tap('broken', () => {
          throw new Error('secret internal detail');
        }),
    };
    const gw = await r.gatewayFor(upstream, { plugins: [broken] });
    const res = await postChat(gw.url, chat('gpt-4o'));
    assert.equal(res.status, 500);
    assert.equal(res.json().error.type, 'server_error');
    assert.match(res.json().error.message, /broken/);
    assert.ok(!res.text.includes('secret internal detail'));
    assert.equal(upstream.requests.length, 0);
  });

  it('a replaced body is what the provider receives and what the exchange records', async () => {
    const upstream = await r.upstream(jsonResponder({ id: 'x', object: 'chat.completion', choices: [] }));
    const modifier: TollgatePlugin = {
      name: 'modifier',
      apply: (h) => h.hooks.onRequest.tap('modifier', (ctx) => void ctx.replaceBody({ ...ctx.body, messages: [{ role: 'user', content: 'redacted' }] })),
    };
    const gw = await r.gatewayFor(upstream, { plugins: [modifier] });
    await postChat(gw.url, chat('openai/gpt-4o'));
    assert.deepEqual(upstream.requests[0]?.body, { model: 'gpt-4o', messages: [{ role: 'user', content: 'redacted' }] });
    const e = await gw.exchange();
    assert.deepEqual(e.requestBody, { model: 'gpt-4o', messages: [{ role: 'user', content: 'redacted' }] });
    assert.equal(e.userMessage, 'redacted');
  });
});
