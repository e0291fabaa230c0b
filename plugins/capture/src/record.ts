import { ESTIMATED_COST, type Exchange, type SecretRegistry, type ToolCallDecision } from '@tollgate/core';
import type { ExchangesTable, PayloadsTable, ToolCallsTable } from './tables.js';

/** What one exchange becomes in the store: its row, its tool calls and (when kept) its payload. */
export interface CaptureRecord {
  readonly exchange: Omit<ExchangesTable, 'id'>;
  readonly tools: readonly Omit<ToolCallsTable, 'exchange_id'>[];
  readonly payload: Omit<PayloadsTable, 'exchange_id'> | undefined;
  /** Bytes of text the record holds (for the writer's memory bound). */
  readonly size: number;
}

/** What to keep of an exchange. */
export interface RecordOptions {
  /** Bodies and headers. */
  readonly payloads: boolean;
  /** Tool-call records. */
  readonly tools: boolean;
  /** The parsed SSE events (`save_raws`). */
  readonly raws: boolean;
  /** Keep encrypted reasoning blobs in bodies. */
  readonly encryptedBlobs: boolean;
  /** Largest body text stored whole. */
  readonly maxBodyBytes: number;
  /** Secrets scrubbed from every stored text. */
  readonly secrets: SecretRegistry;
}

/** Keys whose values are opaque encrypted reasoning (OpenAI, Anthropic, Gemini). */
const ENCRYPTED_KEYS: ReadonlySet<string> = new Set(['encrypted_content', 'signature', 'thoughtSignature', 'thought_signature']);
/**
 * True when `text` may hold one of {@link ENCRYPTED_KEYS} as a key: two native searches instead
 * of one per key over every body (`ignature"` ends `signature`, `thoughtSignature` and
 * `thought_signature`). A false positive only costs the second serialisation, which replaces
 * exactly those keys.
 */
function mayHoldEncrypted(text: string): boolean {
  return text.includes('ignature"') || text.includes('"encrypted_content"');
}
/** How much of an oversized body is kept. */
const HEAD_CHARS = 64 * 1024;

/** Short decision words of the read API. */
const DECISION: Readonly<Record<ToolCallDecision['outcome'], 'allow' | 'block' | 'strip'>> = { allowed: 'allow', blocked: 'block', stripped: 'strip' };

/** `value` as stored JSON text (scrubbed of secrets, encrypted blobs and oversize), or null when absent. */
export function storedJson(value: unknown, o: Pick<RecordOptions, 'encryptedBlobs' | 'maxBodyBytes' | 'secrets'>): string | null {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
    if (text === undefined) return null;
    if (!o.encryptedBlobs && mayHoldEncrypted(text)) {
      text = JSON.stringify(value, (key, v: unknown) => (ENCRYPTED_KEYS.has(key) && typeof v === 'string' ? '[omitted]' : v));
    }
  } catch {
    return JSON.stringify({ tollgate_unserializable: true });
  }
  text = o.secrets.scrub(text);
  if (text.length > o.maxBodyBytes) return JSON.stringify({ tollgate_truncated: true, size: text.length, head: text.slice(0, HEAD_CHARS) });
  return text;
}

/** The response headers as kept: cookies the upstream set are redacted like the request's credentials. */
function redactResponseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = name.toLowerCase() === 'set-cookie' ? '***' : value;
  return out;
}

/**
 * Turns an exchange into what the store keeps. Only identified exchanges are captured (the
 * caller decides); every text is serialized here, once, so that the record holds no reference to
 * the exchange.
 */
export function captureRecord(exchange: Exchange, o: RecordOptions): CaptureRecord {
  const identity = exchange.identity;
  const time = exchange.timings.startedAt;
  const decisions = new Map<number, ToolCallDecision>();
  for (const d of exchange.toolDecisions) decisions.set(d.call.index, d);
  let allowed = 0;
  let blocked = 0;
  let stripped = 0;
  const tools: Omit<ToolCallsTable, 'exchange_id'>[] = [];
  let size = 0;
  for (const call of exchange.toolCalls) {
    const d = decisions.get(call.index);
    const decision = d === undefined ? 'allow' : DECISION[d.outcome];
    if (decision === 'allow') allowed++;
    else if (decision === 'block') blocked++;
    else stripped++;
    if (!o.tools) continue;
    // Arguments are kept as the model sent them: a `signature` argument is not a reasoning blob.
    const args = storedJson(call.params, { ...o, encryptedBlobs: true });
    size += (args?.length ?? 0) + call.name.length + 64;
    tools.push({
      idx: call.index,
      time_ms: time,
      call_id: call.id === '' ? null : call.id,
      kind: call.kind,
      name: call.name,
      arguments: args,
      decision,
      decided_by: d?.by ?? null,
      reason: d?.message ?? null,
      decision_ms: d?.durationMs ?? null,
    });
  }
  const cost = exchange.state.get(ESTIMATED_COST);
  const usage = exchange.usage;
  const policy = exchange.decisions.map((d) => ({ plugin: d.plugin, subject: d.subject, allowed: d.allowed, reason: d.reason ?? null, duration_ms: d.durationMs ?? null }));
  const row: Omit<ExchangesTable, 'id'> = {
    request_id: exchange.requestId,
    time_ms: time,
    login: identity?.login ?? '',
    display_name: identity?.displayName ?? null,
    tags: identity === undefined || identity.tags.length === 0 ? null : JSON.stringify(identity.tags),
    node: identity?.stableNodeId ?? null,
    session_id: exchange.sessionId === '' ? null : exchange.sessionId,
    format: exchange.format,
    provider: exchange.provider?.id ?? null,
    model_requested: exchange.requestedModel === '' ? null : exchange.requestedModel,
    model: exchange.model === '' ? null : exchange.model,
    path: exchange.path,
    user_agent: exchange.userAgent === '' ? null : exchange.userAgent,
    status: exchange.status,
    error_code: exchange.error === undefined ? null : (exchange.error.code ?? exchange.error.kind),
    error_message: exchange.error === undefined ? null : o.secrets.scrub(exchange.error.message),
    streamed: exchange.streamed ? 1 : 0,
    aborted: exchange.aborted ? 1 : 0,
    duration_ms: exchange.timings.durationMs,
    ttfb_ms: exchange.timings.firstByteMs ?? null,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    cost_dollars: cost === undefined || !Number.isFinite(cost.dollars) ? null : cost.dollars,
    cost_basis: cost?.cost_basis ?? null,
    tool_calls: exchange.toolCalls.length,
    tools_allowed: allowed,
    tools_blocked: blocked,
    tools_stripped: stripped,
    decisions: policy.length === 0 ? null : o.secrets.scrub(JSON.stringify(policy)),
  };
  size += 512 + (row.error_message?.length ?? 0) + (row.decisions?.length ?? 0);
  let payload: Omit<PayloadsTable, 'exchange_id'> | undefined;
  if (o.payloads) {
    payload = {
      time_ms: time,
      user_message: exchange.userMessage === '' ? null : o.secrets.scrub(exchange.userMessage),
      request_headers: storedJson(exchange.requestHeaders, o),
      response_headers: storedJson(redactResponseHeaders(exchange.responseHeaders), o),
      request_body: storedJson(exchange.requestBody, o),
      response_body: storedJson(exchange.responseBody, o),
      client_response_body: storedJson(exchange.clientResponseBody, o),
      raw_responses: o.raws && exchange.rawResponses.length > 0 ? storedJson(exchange.rawResponses, o) : null,
    };
    for (const v of Object.values(payload)) if (typeof v === 'string') size += v.length;
  }
  return { exchange: row, tools, payload, size };
}
