import assert from 'node:assert/strict';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type PluginHost, STAGE_GUARDRAIL, type TollgatePlugin } from '@tollgate/core';
import { type FakeHookReceiver, type FakeUpstream, type TestGateway, jsonResponder, readFixture, startFakeHookReceiver, startFakeUpstream, startTestGateway } from '@tollgate/testing';
import { defineOtelPlugin } from '@tollgate/plugin-otel';

/** Strips `weather` calls when the user message says "strip". */
const policy: TollgatePlugin = {
  name: 'policy',
  apply(host: PluginHost) {
    host.hooks.onToolCall.tap({ name: 'policy', stage: STAGE_GUARDRAIL }, ({ request, call }) => (call.name === 'weather' && request.userMessage.includes('strip') ? { message: 'no weather today', action: 'strip' } : undefined));
  },
};

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';

describe('otel plugin: spans with GenAI attributes, traceparent upstream and to hooks', () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  let upstream: FakeUpstream;
  let receiver: FakeHookReceiver;
  let gw: TestGateway;

  before(async () => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    upstream = await startFakeUpstream(jsonResponder(readFixture('openai-chat', 'deepseek-tool-call.json')));
    receiver = await startFakeHookReceiver();
    gw = await startTestGateway({
      config: {
        providers: { deepseek: { baseurl: upstream.url, models: ['deepseek-reasoner'], compatibility: { openai_chat: true } } },
        grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user' }, { models: '**', send_hooks: [{ name: 'audit', events: ['pre_request', 'entire_request'] }] }] } }],
        hooks: { audit: { url: receiver.urlFor('/audit') } },
      },
      plugins: ['grants', ['webhook', { spool: { enabled: false } }], [defineOtelPlugin({ tracerProvider: provider }), { capture_content: true }], policy],
    });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    await receiver?.close();
    await provider?.shutdown();
  });

  const chat = (content: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'deepseek-reasoner', messages: [{ role: 'user', content }], tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }] }),
    });
  const spansOf = (requestId: string): { exchange: ReadableSpan; tools: ReadableSpan[] } => {
    const spans = exporter.getFinishedSpans();
    const exchange = spans.find((s) => s.attributes['tollgate.request.id'] === requestId);
    assert.ok(exchange !== undefined, `no span for ${requestId}`);
    return { exchange, tools: spans.filter((s) => s.parentSpanContext?.spanId === exchange.spanContext().spanId) };
  };
  const waitFor = async (predicate: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(predicate());
  };

  it('a span per exchange and per tool-call decision, child of the client trace; traceparent reaches the provider and the hooks', async () => {
    const res = await chat('weather in San Francisco?', { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    assert.equal(res.status, 200);
    const requestId = res.headers.get('x-request-id') as string;
    await gw.exchange(1);
    await receiver.waitFor(2);
    await waitFor(() => exporter.getFinishedSpans().length >= 2);

    const { exchange, tools } = spansOf(requestId);
    assert.equal(exchange.name, 'chat deepseek-reasoner');
    assert.equal(exchange.kind, 2 /* CLIENT */);
    assert.equal(exchange.spanContext().traceId, CLIENT_TRACE, 'continues the client\'s trace');
    assert.equal(exchange.parentSpanContext?.spanId, CLIENT_SPAN);
    const a = exchange.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.system'], 'openai');
    assert.equal(a['gen_ai.request.model'], 'deepseek-reasoner');
    assert.equal(a['gen_ai.response.model'], 'deepseek-reasoner');
    const e = gw.exchanges[0]!;
    assert.ok(e.usage.inputTokens > 0);
    assert.equal(a['gen_ai.usage.input_tokens'], e.usage.inputTokens);
    assert.equal(a['gen_ai.usage.output_tokens'], e.usage.outputTokens);
    assert.equal(a['http.response.status_code'], 200);
    assert.deepEqual(a['tollgate.tool_calls'], ['weather']);
    assert.equal(a['tollgate.provider.id'], 'deepseek');
    assert.deepEqual(JSON.parse(a['gen_ai.input.messages'] as string), [{ role: 'user', parts: [{ type: 'text', content: 'weather in San Francisco?' }] }]);
    assert.equal((JSON.parse(a['gen_ai.output.messages'] as string) as Array<{ parts: Array<{ name: string }> }>)[0]?.parts[0]?.name, 'weather');

    assert.equal(tools.length, 1);
    const tool = tools[0]!;
    assert.equal(tool.name, 'tool_call weather');
    assert.equal(tool.attributes['gen_ai.tool.name'], 'weather');
    assert.equal(tool.attributes['gen_ai.tool.call.id'], e.toolCalls[0]?.id);
    assert.equal(tool.attributes['tollgate.tool_call.decision'], 'allow');

    // W3C traceparent: upstream and on both hook deliveries, naming the exchange span.
    const expected = `00-${CLIENT_TRACE}-${exchange.spanContext().spanId}-01`;
    assert.equal(upstream.requests.at(-1)?.headers.traceparent, expected);
    const deliveries = receiver.deliveriesTo('/audit');
    assert.deepEqual(deliveries.map((d) => d.headers['x-tollgate-event']).sort(), ['entire_request', 'pre_request']);
    for (const d of deliveries) assert.equal(d.headers.traceparent, expected, String(d.headers['x-tollgate-event']));
  });

  it('a stripped call has its decision and the deciding plugin; a new trace starts without a client traceparent', async () => {
    exporter.reset();
    const res = await chat('weather, but strip it');
    assert.equal(res.status, 200);
    await gw.exchange(2);
    await waitFor(() => exporter.getFinishedSpans().length >= 2);
    const { exchange, tools } = spansOf(res.headers.get('x-request-id') as string);
    assert.equal(exchange.parentSpanContext, undefined, 'a root span');
    assert.notEqual(exchange.spanContext().traceId, CLIENT_TRACE);
    assert.deepEqual([tools[0]?.attributes['tollgate.tool_call.decision'], tools[0]?.attributes['tollgate.tool_call.decided_by'], tools[0]?.attributes['tollgate.tool_call.reason']], ['strip', 'policy', 'no weather today']);
    assert.equal(upstream.requests.at(-1)?.headers.traceparent, `00-${exchange.spanContext().traceId}-${exchange.spanContext().spanId}-01`);
  });

  it('a request refused before routing still gets a span, marked as an error', async () => {
    exporter.reset();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 404);
    await waitFor(() => exporter.getFinishedSpans().length >= 1);
    const span = exporter.getFinishedSpans()[0]!;
    assert.equal(span.attributes['gen_ai.request.model'], 'nope');
    assert.equal(span.attributes['error.type'], 'model_not_found');
    assert.equal(span.status.code, 2 /* ERROR */);
  });
});
