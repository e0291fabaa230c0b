import assert from 'node:assert/strict';
import type { Denial, Exchange, ToolCall } from '@tollgate/core';
import { strippedCallNote } from '@tollgate/core/formats';
import { type FakeUpstream, type RecordedRequest, type Responder, type TestGateway, readFixture, sseResponder, startFakeUpstream, startTestGateway } from '@tollgate/testing';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { toolGate } from './support.js';

// OpenAI chat streams carry usage only when the request says `stream_options.include_usage: true`.
// Tollgate asks for it when the client did not, and hides from the client what the provider adds
// because of it. The fake provider here behaves as OpenAI does: asked, it adds `"usage": null` to
// every chunk and one more chunk, `choices: []` with the usage, before `[DONE]` (one for all
// choices); not asked, neither.

type Chunk = Record<string, unknown>;

const BASE = { id: 'chatcmpl-usage-test', object: 'chat.completion.chunk', created: 1770000000, model: 'gpt-5', system_fingerprint: 'fp_usage' };
const TEXT_USAGE = { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 0 } };

/** A text answer with two choices (`n: 2`), each in three deltas and a finish chunk. */
function twoChoiceText(): Chunk[] {
  const chunks: Chunk[] = [];
  const texts = [['Edinburgh ', 'is ', 'cold.'], ['It ', 'rains ', 'often.']];
  texts.forEach((parts, index) => {
    chunks.push({ ...BASE, choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    for (const content of parts) chunks.push({ ...BASE, choices: [{ index, delta: { content }, logprobs: null, finish_reason: null }] });
    chunks.push({ ...BASE, choices: [{ index, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  });
  return chunks;
}

/** The captured parallel tool-call stream (two calls), without its usage chunk, and that usage. */
function parallelCalls(): { chunks: Chunk[]; usage: Chunk } {
  const frames = readFixture('openai-chat', 'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin')
    .toString('utf8')
    .split('\n\n')
    .map((f) => f.replace(/^data: /, ''))
    .filter((d) => d !== '' && d !== '[DONE]')
    .map((d) => JSON.parse(d) as Chunk);
  const usageChunk = frames.find((c) => Array.isArray(c.choices) && c.choices.length === 0);
  return { chunks: frames.filter((c) => c !== usageChunk), usage: usageChunk?.usage as Chunk };
}

/** Where a provider that was asked puts the usage: its own chunk (OpenAI) or the finish chunk (DeepSeek, Groq). */
type UsagePlacement = 'own-chunk' | 'finish-chunk';

/** A fake OpenAI-compatible provider streaming `chunks`, with usage only when the request asks. */
function fakeOpenAi(chunks: readonly Chunk[], usage: Chunk, placement: UsagePlacement = 'own-chunk'): Responder {
  return (req: RecordedRequest, res) => {
    const asked = (req.body as { stream_options?: { include_usage?: unknown } }).stream_options?.include_usage === true;
    const out = chunks.map((c, i) => (!asked ? c : placement === 'finish-chunk' && i === chunks.length - 1 ? { ...c, usage } : { ...c, usage: null }));
    if (asked && placement === 'own-chunk') out.push({ ...BASE, id: chunks[0]?.id, model: chunks[0]?.model, choices: [], usage });
    return sseResponder([...out.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'])(req, res);
  };
}

/** Every chunk the `openai` SDK yields for a streamed request. */
async function sdkChunks(client: OpenAI, body: Record<string, unknown>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  const stream = await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Weather in Edinburgh?' }], ...body, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/**
 * A chunk as the client compares it: the `"usage": null` OpenAI adds to every chunk once asked for
 * usage is relayed as the provider sent it (chunks the client would receive anyway go out
 * byte for byte), so it is set aside; anything else must be identical.
 */
function comparable(chunk: ChatCompletionChunk): Chunk {
  const { usage, ...rest } = chunk as unknown as Chunk;
  return usage === null || usage === undefined ? rest : { ...rest, usage };
}

/** The usage counters of an exchange next to the provider's numbers. */
function usageNumbers(ex: Exchange): [number, number, number] {
  return [ex.usage.inputTokens, ex.usage.outputTokens, ex.usage.totalTokens];
}

describe('OpenAI chat streams: usage the client did not ask for', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let viaGateway: OpenAI;
  let direct: OpenAI;
  let decide: (call: ToolCall) => Denial | undefined = () => undefined;
  const gate = toolGate((c) => decide(c));

  before(async () => {
    upstream = await startFakeUpstream();
    gw = await startTestGateway({
      config: {
        providers: {
          openai: { baseurl: `${upstream.url}/v1`, apikey: 'sk-provider', models: ['gpt-5'] },
          // An OpenAI-compatible server that refuses `stream_options`.
          strict: { baseurl: `${upstream.url}/v1`, apikey: 'sk-provider', models: ['strict-model'], stream_usage: false },
        },
      },
      plugins: [gate],
    });
    viaGateway = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    direct = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    decide = () => undefined;
    gate.seen.length = 0;
  });

  /** The body the provider received for the gateway's last request. */
  const lastSent = (): RecordedRequest => upstream.requests.at(-1) as RecordedRequest;

  it('asks the provider for usage; the SDK gets the chunks it gets without the gateway; the exchange has the usage', async () => {
    upstream.respond(fakeOpenAi(twoChoiceText(), TEXT_USAGE));
    const want = await sdkChunks(direct, { n: 2 });
    assert.ok(!want.some((c) => c.choices.length === 0), 'not asked, the provider sends no usage chunk');
    const n = gw.exchanges.length + 1;
    const got = await sdkChunks(viaGateway, { n: 2 });

    assert.deepEqual((lastSent().body as Chunk).stream_options, { include_usage: true });
    assert.deepEqual(got.map(comparable), want.map(comparable));
    assert.ok(got.every((c) => c.choices.length > 0 && c.usage == null), 'no usage chunk, no chunk without choices');

    const ex = await gw.exchange(n);
    assert.deepEqual(usageNumbers(ex), [31, 12, 43]);
    assert.equal(ex.usage.cachedTokens, 8);
    // Observers see the usage: in the reassembled body, and in the raw events the provider sent.
    assert.deepEqual((ex.responseBody as { usage?: unknown }).usage, TEXT_USAGE);
    assert.deepEqual((ex.rawResponses.at(-1) as Chunk).usage, TEXT_USAGE);
    assert.equal(ex.clientResponseBody, undefined);
    // The exchange's request body is the one forwarded.
    assert.deepEqual(ex.requestBody?.stream_options, { include_usage: true });
  });

  it('keeps the client\'s other stream_options and overrides include_usage: false', async () => {
    upstream.respond(fakeOpenAi(twoChoiceText(), TEXT_USAGE));
    for (const options of [{ include_obfuscation: false }, { include_usage: false, include_obfuscation: true }, null]) {
      const n = gw.exchanges.length + 1;
      const got = await sdkChunks(viaGateway, { n: 2, stream_options: options });
      assert.deepEqual((lastSent().body as Chunk).stream_options, { ...options, include_usage: true });
      assert.equal(got.length, 10);
      assert.ok(got.every((c) => c.choices.length > 0));
      assert.deepEqual(usageNumbers(await gw.exchange(n)), [31, 12, 43]);
    }
  });

  it('a client that asked for usage gets its usage chunk, and its request bytes go unchanged', async () => {
    upstream.respond(fakeOpenAi(twoChoiceText(), TEXT_USAGE));
    const want = await sdkChunks(direct, { n: 2, stream_options: { include_usage: true } });
    const n = gw.exchanges.length + 1;
    const got = await sdkChunks(viaGateway, { n: 2, stream_options: { include_usage: true } });
    assert.deepEqual(got, want);
    assert.deepEqual(got.at(-1)?.choices, []);
    assert.equal(got.at(-1)?.usage?.total_tokens, 43);
    // Identical bytes: the request the SDK sent directly and the one the gateway forwarded.
    assert.equal(lastSent().raw.toString('utf8'), upstream.requests.at(-2)?.raw.toString('utf8'));
    assert.deepEqual(usageNumbers(await gw.exchange(n)), [31, 12, 43]);
  });

  it('usage on the finish chunk (DeepSeek, Groq): the chunk is relayed, since the client receives it anyway', async () => {
    upstream.respond(fakeOpenAi(twoChoiceText(), TEXT_USAGE, 'finish-chunk'));
    const want = await sdkChunks(direct, { n: 2 });
    const n = gw.exchanges.length + 1;
    const got = await sdkChunks(viaGateway, { n: 2 });
    assert.equal(got.length, want.length);
    // Only the finish chunk differs: it carries the usage, as the provider sent it.
    assert.deepEqual(got.slice(0, -1).map(comparable), want.slice(0, -1).map(comparable));
    assert.deepEqual({ ...got.at(-1), usage: undefined }, { ...want.at(-1), usage: undefined });
    assert.equal(got.at(-1)?.usage?.total_tokens, 43);
    assert.deepEqual(usageNumbers(await gw.exchange(n)), [31, 12, 43]);
  });

  it('tool calls in a stream with the usage chunk are still decided; allowed, stripped or blocked', async () => {
    const { chunks, usage } = parallelCalls();
    upstream.respond(fakeOpenAi(chunks, usage));
    const want = await direct.chat.completions.stream({ model: 'gpt-5', messages: [{ role: 'user', content: 'weather?' }] }).finalChatCompletion();

    let n = gw.exchanges.length + 1;
    const allowed = await viaGateway.chat.completions.stream({ model: 'gpt-5', messages: [{ role: 'user', content: 'weather?' }] }).finalChatCompletion();
    assert.deepEqual(gate.seen.map((c) => c.name), want.choices[0]?.message.tool_calls?.map((c) => (c.type === 'function' ? c.function.name : '')));
    assert.deepEqual(allowed.choices[0]?.message.tool_calls, want.choices[0]?.message.tool_calls);
    // The SDK copies the chunks' `"usage": null` to the completion: no numbers, as without the gateway.
    assert.equal(allowed.usage ?? undefined, want.usage);
    let ex = await gw.exchange(n);
    assert.deepEqual(usageNumbers(ex), [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens]);
    assert.equal(ex.toolDecisions.length, 2);

    const [first] = gate.seen;
    decide = (c) => (c.index === first?.index ? { message: 'not this one', action: 'strip' } : undefined);
    n = gw.exchanges.length + 1;
    const stripped = await viaGateway.chat.completions.stream({ model: 'gpt-5', messages: [{ role: 'user', content: 'weather?' }] }).finalChatCompletion();
    assert.equal(stripped.choices[0]?.message.tool_calls?.length, 1);
    assert.equal(stripped.choices[0]?.message.content, strippedCallNote(first?.name ?? '', 'not this one'));
    assert.equal(stripped.usage ?? undefined, undefined);
    ex = await gw.exchange(n);
    assert.equal(ex.usage.totalTokens, usage.total_tokens);

    decide = () => ({ message: 'no tools today', action: 'block' });
    n = gw.exchanges.length + 1;
    await assert.rejects(viaGateway.chat.completions.stream({ model: 'gpt-5', messages: [{ role: 'user', content: 'weather?' }] }).finalChatCompletion(), /no tools today/);
    assert.equal((await gw.exchange(n)).error?.code, 'tool_call_blocked');
  });

  it('stream_usage: false leaves the request as the client sent it, and usage unknown', async () => {
    upstream.respond(fakeOpenAi(twoChoiceText(), TEXT_USAGE));
    const n = gw.exchanges.length + 1;
    const got = await sdkChunks(viaGateway, { model: 'strict-model', n: 2 });
    const sent = lastSent();
    assert.equal((sent.body as Chunk).stream_options, undefined);
    assert.equal(sent.raw.toString('utf8'), JSON.stringify({ model: 'strict-model', messages: [{ role: 'user', content: 'Weather in Edinburgh?' }], n: 2, stream: true }));
    assert.equal(got.length, 10);
    assert.deepEqual(usageNumbers(await gw.exchange(n)), [0, 0, 0]);
  });

  it('a request that does not stream is forwarded as it is', async () => {
    upstream.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...BASE, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Cold.' }, finish_reason: 'stop' }], usage: TEXT_USAGE }));
    });
    const n = gw.exchanges.length + 1;
    await viaGateway.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Weather?' }] });
    assert.equal((lastSent().body as Chunk).stream_options, undefined);
    assert.deepEqual(usageNumbers(await gw.exchange(n)), [31, 12, 43]);
  });
});
