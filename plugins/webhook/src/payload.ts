import { type EffectiveCapabilities, ESTIMATED_COST, type Exchange, type Identity, QUOTA_BALANCES, type RequestContext, type StateBag, type ToolCall, type ToolCallDecision } from '@tollgate/core';
import { type HookCallData, type HookMetadata, type HookToolCall, POST_RESPONSE_EVENTS } from './types.js';

/** The nine `metadata` fields every payload carries. */
export type BaseMetadata = Pick<HookMetadata, 'login_name' | 'user_agent' | 'url' | 'model' | 'provider' | 'tailnet_name' | 'stable_node_id' | 'request_id' | 'session_id'>;

/** The nine always-present metadata fields. */
export function baseMetadata(identity: Identity | undefined, fields: { userAgent: string; path: string; model: string; provider: string; requestId: string; sessionId: string }): BaseMetadata {
  return {
    login_name: identity?.login ?? '',
    user_agent: fields.userAgent,
    url: fields.path,
    model: fields.model,
    provider: fields.provider,
    tailnet_name: identity?.tailnetName ?? '',
    stable_node_id: identity?.stableNodeId ?? '',
    request_id: fields.requestId,
    session_id: fields.sessionId,
  };
}

/** Metadata for one hook: the nine fields plus what its `send` list asks for and is known. */
function metadataFor(base: BaseMetadata, send: ReadonlySet<string>, caps: EffectiveCapabilities, state: StateBag): HookMetadata {
  if (!send.has('estimated_cost') && !send.has('grants') && !send.has('quotas')) return base;
  const cost = send.has('estimated_cost') ? state.get(ESTIMATED_COST) : undefined;
  const quotas = send.has('quotas') ? state.get(QUOTA_BALANCES) : undefined;
  return {
    ...base,
    ...(cost === undefined ? {} : { estimated_cost: cost }),
    ...(send.has('grants') ? { grants: caps.custom } : {}),
    ...(quotas === undefined ? {} : { quotas }),
  };
}

const DECISION_OF = { allowed: 'allow', blocked: 'block', stripped: 'strip' } as const;

/**
 * Tool calls as hooks see them: Aperture's `[{name, params}]`, exactly, when no `onToolCall` tap
 * decided them; each with what policy did with it (`decision`, and `decided_by` / `reason` when a
 * tap refused it) when one did.
 */
export function hookToolCalls(calls: readonly ToolCall[], decisions: readonly ToolCallDecision[] = []): HookToolCall[] {
  return calls.map((c) => {
    const d = decisions.find((x) => x.call.index === c.index);
    if (d === undefined) return { name: c.name, params: c.params };
    if (d.outcome === 'allowed') return { name: c.name, params: c.params, decision: 'allow' };
    return { name: c.name, params: c.params, decision: DECISION_OF[d.outcome], ...(d.by === undefined ? {} : { decided_by: d.by }), ...(d.message === undefined ? {} : { reason: d.message }) };
  });
}

/**
 * Builds the `pre_request` payload from the request as the chain has it now. The response fields
 * (`response_body`, `raw_responses`, `tools`) do not exist yet and are never added.
 */
export function preRequestData(ctx: RequestContext, send: ReadonlySet<string>, caps: EffectiveCapabilities): HookCallData {
  const base = baseMetadata(ctx.identity, { userAgent: ctx.userAgent, path: ctx.path, model: ctx.model, provider: ctx.provider.id, requestId: ctx.id, sessionId: ctx.sessionId });
  return {
    metadata: metadataFor(base, send, caps, ctx.state),
    ...(send.has('user_message') ? { user_message: ctx.userMessage } : {}),
    ...(send.has('request_body') ? { request_body: ctx.body } : {}),
  };
}

/**
 * Asks core (`keepResponse`) to keep the parts of this request's streamed response that a hook wired
 * to a post-response event sends (`response_body`, `raw_responses`); everything when a `shapePayload`
 * tap may read the exchange. The webhook taps `onResponse` with `response: 'declared'`, so a stream
 * whose hooks send neither is not kept in memory while it passes.
 */
export function keepSentResponseParts(ctx: RequestContext, caps: EffectiveCapabilities, shaping: boolean): void {
  if (shaping) {
    ctx.keepResponse();
    return;
  }
  let body = false;
  let rawResponses = false;
  for (const wiring of caps.hooks.values()) {
    if (!POST_RESPONSE_EVENTS.some((e) => wiring.events.has(e))) continue;
    body ||= wiring.send.has('response_body');
    rawResponses ||= wiring.send.has('raw_responses');
  }
  if (body || rawResponses) ctx.keepResponse({ body, rawResponses });
}

/** What one exchange's post-response payloads share (built once, used by every hook). */
export interface ExchangePayloadParts {
  /** The nine metadata fields. */
  readonly base: BaseMetadata;
  /** Tool calls in hook shape. */
  readonly toolCalls: readonly HookToolCall[];
}

/** The parts every post-response payload of `exchange` shares. */
export function exchangeParts(exchange: Exchange): ExchangePayloadParts {
  return {
    base: baseMetadata(exchange.identity, {
      userAgent: exchange.userAgent,
      path: exchange.path,
      model: exchange.model,
      provider: exchange.provider?.id ?? '',
      requestId: exchange.requestId,
      sessionId: exchange.sessionId,
    }),
    toolCalls: hookToolCalls(exchange.toolCalls, exchange.toolDecisions),
  };
}

/** Builds an `entire_request` / `tool_call_entire_request` payload. */
export function postResponseData(exchange: Exchange, parts: ExchangePayloadParts, send: ReadonlySet<string>, caps: EffectiveCapabilities): HookCallData {
  return {
    metadata: metadataFor(parts.base, send, caps, exchange.state),
    ...(send.has('user_message') ? { user_message: exchange.userMessage } : {}),
    ...(send.has('request_body') ? { request_body: exchange.requestBody ?? null } : {}),
    ...(send.has('response_body') ? { response_body: exchange.clientResponseBody ?? exchange.responseBody ?? null } : {}),
    ...(send.has('raw_responses') ? { raw_responses: exchange.rawResponses } : {}),
    ...(send.has('tools') ? { tool_calls: parts.toolCalls } : {}),
  };
}

const FIELDS = ['metadata', 'user_message', 'request_body', 'response_body', 'raw_responses', 'tool_calls'] as const;

/**
 * Serializes a payload like `JSON.stringify` would, reusing the JSON text of values already
 * serialized for another hook of the same exchange (request and response bodies are the large
 * parts, and several hooks often get the same ones). `cache` is keyed by value identity; use one
 * per exchange (or per `pre_request` chain step).
 */
export function serializeHookCallData(data: HookCallData, cache: Map<unknown, string>): string {
  const parts: string[] = [];
  for (const field of FIELDS) {
    const value = data[field];
    if (value === undefined) continue;
    let json: string | undefined;
    if (value !== null && typeof value === 'object' && field !== 'metadata') {
      json = cache.get(value);
      if (json === undefined) {
        json = JSON.stringify(value) ?? 'null';
        cache.set(value, json);
      }
    } else json = JSON.stringify(value) ?? 'null';
    parts.push(`"${field}":${json}`);
  }
  return `{${parts.join(',')}}`;
}
