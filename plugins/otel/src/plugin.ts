import { performance } from 'node:perf_hooks';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapPropagator, type Tracer, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type Exchange, type PluginDefinition, type PluginHost, type RequestContext, STAGE_AUTHENTICATE, STAGE_OBSERVE, type TollgatePlugin, createStateKey, definePlugin } from '@tollgate/core';
import { getWebhookHooks } from '@tollgate/plugin-webhook';
import { ATTR, inputMessages, operationName, outputMessages, providerName, responseModel } from './gen-ai.js';
import { type OtelOptions, OtelOptionsSchema } from './schema.js';
import { type OtelPluginDeps, PLUGIN_NAME } from './types.js';

/** The exchange span of a request, with its context and the start times of its tool-call decisions. */
interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  readonly toolStarts: Map<string, number>;
}

const TRACE = createStateKey<RequestTrace>('otel.trace');

/** Epoch milliseconds with sub-millisecond precision. */
const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * OpenTelemetry tracing: one span per exchange (`chat gpt-4.1`, kind client, GenAI attributes),
 * started in `onRequest` as a child of the client's W3C trace context, with one child span per
 * tool-call decision; `traceparent` goes to the provider and with hook deliveries.
 */
export class OtelPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key. */
  readonly name = PLUGIN_NAME;
  readonly #options: OtelOptions;
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator;

  constructor(options: OtelOptions, deps: OtelPluginDeps = {}) {
    this.#options = options;
    this.#tracer = (deps.tracerProvider ?? trace.getTracerProvider()).getTracer('@tollgate/plugin-otel', '0.1.0');
    this.#propagator = deps.propagator ?? new W3CTraceContextPropagator();
  }

  /** Taps `onRequest` (first), `onToolCall` (first, deciding nothing) and `onResponse` (observe). */
  apply(host: PluginHost): void {
    host.hooks.onRequest.tap({ name: this.name, stage: STAGE_AUTHENTICATE }, (ctx) => {
      this.#start(ctx);
      return undefined;
    });
    host.hooks.onToolCall.tap({ name: this.name, stage: STAGE_AUTHENTICATE }, ({ request, call }) => {
      request.state.get(TRACE)?.toolStarts.set(call.id, nowMs());
      return undefined;
    });
    host.hooks.onResponse.tap({ name: this.name, stage: STAGE_OBSERVE, response: 'declared' }, (e) => this.#end(e));
    if (this.#options.propagate_hooks) {
      getWebhookHooks(host).headers.tap(this.name, (headers, { exchange, request }) => {
        const t = (exchange ?? request)?.state.get(TRACE);
        return t === undefined ? headers : { ...headers, ...this.#inject(t.context) };
      });
    }
  }

  #inject(context: Context): Record<string, string> {
    const carrier: Record<string, string> = {};
    this.#propagator.inject(context, carrier, defaultTextMapSetter);
    return carrier;
  }

  #start(ctx: RequestContext): void {
    const parent = this.#propagator.extract(ROOT_CONTEXT, ctx.headers, defaultTextMapGetter);
    const operation = operationName(ctx.format.name);
    const span = this.#tracer.startSpan(
      `${operation} ${ctx.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR.operationName]: operation,
          [ATTR.providerName]: providerName(ctx.format.name),
          [ATTR.system]: providerName(ctx.format.name),
          [ATTR.requestModel]: ctx.requestedModel,
          [ATTR.conversationId]: ctx.sessionId,
          [ATTR.requestId]: ctx.id,
          [ATTR.providerId]: ctx.provider.id,
          [ATTR.format]: ctx.format.name,
          [ATTR.identity]: ctx.identity.login,
          ...(this.#options.capture_content
            ? { [ATTR.inputMessages]: inputMessages(ctx.userMessage), ...(ctx.tools.length > 0 ? { [ATTR.toolDefinitions]: JSON.stringify(ctx.tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters }))) } : {}) }
            : {}),
        },
      },
      parent,
    );
    const context = trace.setSpan(parent, span);
    ctx.state.set(TRACE, { span, context, toolStarts: new Map() });
    if (this.#options.propagate_upstream) for (const [name, value] of Object.entries(this.#inject(context))) ctx.addUpstreamHeader(name, value);
  }

  #end(e: Exchange): void {
    let t = e.state.get(TRACE);
    if (t === undefined) {
      // Refused before onRequest (no identity, unknown model, malformed body): a span all the same.
      const operation = operationName(e.format);
      const span = this.#tracer.startSpan(`${operation} ${e.model}`, { kind: SpanKind.CLIENT, startTime: e.timings.startedAt, attributes: { [ATTR.operationName]: operation, [ATTR.providerName]: providerName(e.format), [ATTR.system]: providerName(e.format), [ATTR.requestModel]: e.model, [ATTR.requestId]: e.requestId, [ATTR.format]: e.format } });
      t = { span, context: trace.setSpan(ROOT_CONTEXT, span), toolStarts: new Map() };
    }
    const { span } = t;
    const model = responseModel(e.responseBody);
    span.setAttributes({
      [ATTR.httpStatus]: e.status,
      [ATTR.inputTokens]: e.usage.inputTokens,
      [ATTR.outputTokens]: e.usage.outputTokens,
      ...(model === undefined ? {} : { [ATTR.responseModel]: model }),
      ...(e.toolCalls.length > 0 ? { [ATTR.toolCalls]: e.toolCalls.map((c) => c.name) } : {}),
      ...(this.#options.capture_content && e.toolCalls.length > 0 ? { [ATTR.outputMessages]: outputMessages(e) } : {}),
    });
    if (e.error !== undefined || e.status >= 400) {
      span.setAttribute(ATTR.errorType, e.error?.code ?? String(e.status));
      if (e.status >= 500 || e.upstreamStatus === undefined || e.upstreamStatus >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: e.error?.message });
    }
    const end = e.timings.startedAt + e.timings.durationMs;
    for (const d of e.toolDecisions) {
      const start = t.toolStarts.get(d.call.id) ?? end - d.durationMs;
      const decision = d.outcome === 'allowed' ? 'allow' : d.outcome === 'blocked' ? 'block' : 'strip';
      const child = this.#tracer.startSpan(
        `tool_call ${d.call.name}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: start,
          attributes: {
            [ATTR.toolName]: d.call.name,
            [ATTR.toolCallId]: d.call.id,
            [ATTR.toolType]: 'function',
            [ATTR.decision]: decision,
            ...(d.by === undefined ? {} : { [ATTR.decidedBy]: d.by }),
            ...(d.message === undefined ? {} : { [ATTR.reason]: d.message }),
            ...(this.#options.capture_content ? { [ATTR.toolCallArguments]: JSON.stringify(d.call.params) } : {}),
          },
        },
        t.context,
      );
      child.end(start + d.durationMs);
    }
    span.end(end);
  }
}

/** The otel plugin with injected dependencies (a tracer provider, a propagator), for programmatic use and tests. */
export function defineOtelPlugin(deps: OtelPluginDeps = {}): PluginDefinition<OtelOptions> {
  return definePlugin<OtelOptions>({
    name: PLUGIN_NAME,
    options: OtelOptionsSchema,
    core: '^0.1.0',
    create: (options) => new OtelPlugin(options, deps),
  });
}

/** The plugin definition core loads (`"plugins": [..., "otel"]`): spans go to the global tracer provider. */
export const otelPlugin: PluginDefinition<OtelOptions> = defineOtelPlugin();
