import { type Selectable, parseJson } from '@tollgate/store';
import type { ExchangesTable, PayloadsTable, ToolCallsTable } from '../tables.js';
import type { DecisionRecord, RequestDetail, RequestSummary, ToolCallRecord } from '../types.js';

/** The exchange columns a request summary reads. */
export const SUMMARY_COLUMNS = [
  'e.id',
  'e.request_id',
  'e.time_ms',
  'e.login',
  'e.display_name',
  'e.tags',
  'e.node',
  'e.session_id',
  'e.format',
  'e.provider',
  'e.model_requested',
  'e.model',
  'e.status',
  'e.error_code',
  'e.streamed',
  'e.duration_ms',
  'e.ttfb_ms',
  'e.input_tokens',
  'e.output_tokens',
  'e.cached_tokens',
  'e.reasoning_tokens',
  'e.cost_dollars',
  'e.cost_basis',
  'e.tool_calls',
  'e.tools_allowed',
  'e.tools_blocked',
  'e.tools_stripped',
] as const;

/** A summary row as the database returns it. */
export type SummaryRow = Pick<Selectable<ExchangesTable>, (typeof SUMMARY_COLUMNS)[number] extends `e.${infer C}` ? C & keyof ExchangesTable : never>;

/** ISO-8601 UTC of epoch ms. */
export function isoTime(ms: number): string {
  return new Date(Number(ms)).toISOString();
}

/** A nullable number column as a number (PostgreSQL numerics arrive as numbers already). */
function num(v: number | null): number | null {
  return v === null ? null : Number(v);
}

/** The API's request summary of a row. */
export function requestSummary(r: SummaryRow): RequestSummary {
  return {
    id: r.request_id,
    time: isoTime(r.time_ms),
    login: r.login,
    display_name: r.display_name,
    tags: parseJson<string[]>(r.tags),
    node: r.node,
    session_id: r.session_id,
    format: r.format,
    provider: r.provider,
    model_requested: r.model_requested,
    model: r.model,
    status: Number(r.status),
    error_code: r.error_code,
    streamed: Number(r.streamed) === 1,
    duration_ms: num(r.duration_ms),
    ttfb_ms: num(r.ttfb_ms),
    usage: { input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cached_tokens: Number(r.cached_tokens), reasoning_tokens: Number(r.reasoning_tokens) },
    cost: { dollars: num(r.cost_dollars), cost_basis: r.cost_basis },
    tool_calls: { total: Number(r.tool_calls), allow: Number(r.tools_allowed), block: Number(r.tools_blocked), strip: Number(r.tools_stripped) },
  };
}

/** The API's tool-call record of a row. */
export function toolCallRecord(t: Omit<ToolCallsTable, 'exchange_id' | 'time_ms'>): ToolCallRecord {
  return {
    index: Number(t.idx),
    id: t.call_id,
    kind: t.kind,
    name: t.name,
    arguments: parseJson(t.arguments) ?? {},
    decision: t.decision,
    decided_by: t.decided_by,
    reason: t.reason,
    decision_ms: num(t.decision_ms),
  };
}

/** The whole record of an exchange: its row, its payload (null fields once purged or not kept) and its tool calls. */
export function requestDetail(
  e: Selectable<ExchangesTable>,
  p: Partial<Omit<PayloadsTable, 'exchange_id' | 'time_ms'>> | undefined,
  tools: readonly Omit<ToolCallsTable, 'exchange_id' | 'time_ms'>[],
): RequestDetail {
  const { tool_calls: _counts, ...summary } = requestSummary(e);
  return {
    ...summary,
    user_message: p?.user_message ?? null,
    user_agent: e.user_agent,
    path: e.path,
    request_headers: parseJson<Record<string, string>>(p?.request_headers ?? null),
    request_body: parseJson(p?.request_body ?? null),
    response_headers: parseJson<Record<string, string>>(p?.response_headers ?? null),
    response_body: parseJson(p?.response_body ?? null),
    client_response_body: parseJson(p?.client_response_body ?? null),
    raw_responses: parseJson<unknown[]>(p?.raw_responses ?? null),
    error_message: e.error_message,
    tool_calls: tools.map(toolCallRecord),
    decisions: parseJson<DecisionRecord[]>(e.decisions) ?? [],
  };
}

/** A request summary flattened for CSV. */
export function flatSummary(r: RequestSummary): Record<string, unknown> {
  return {
    id: r.id,
    time: r.time,
    login: r.login,
    display_name: r.display_name,
    tags: r.tags?.join(' ') ?? null,
    node: r.node,
    session_id: r.session_id,
    format: r.format,
    provider: r.provider,
    model_requested: r.model_requested,
    model: r.model,
    status: r.status,
    error_code: r.error_code,
    streamed: r.streamed,
    duration_ms: r.duration_ms,
    ttfb_ms: r.ttfb_ms,
    input_tokens: r.usage.input_tokens,
    output_tokens: r.usage.output_tokens,
    cached_tokens: r.usage.cached_tokens,
    reasoning_tokens: r.usage.reasoning_tokens,
    cost_dollars: r.cost.dollars,
    cost_basis: r.cost.cost_basis,
    tool_calls: r.tool_calls.total,
    tools_allowed: r.tool_calls.allow,
    tools_blocked: r.tool_calls.block,
    tools_stripped: r.tool_calls.strip,
  };
}
