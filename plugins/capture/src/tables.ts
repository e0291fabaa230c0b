import type { Generated } from '@tollgate/store';

/**
 * `capture_exchanges`: one row per exchange, the metrics and who/what/when. Kept by retention
 * purges (Aperture: "metrics are always kept").
 */
export interface ExchangesTable {
  /** Row id (grows, never reused); the key of tool calls and payloads. */
  id: Generated<number>;
  request_id: string;
  /** Start of the exchange, epoch ms. */
  time_ms: number;
  login: string;
  display_name: string | null;
  /** JSON array of tags. */
  tags: string | null;
  node: string | null;
  session_id: string | null;
  format: string;
  provider: string | null;
  model_requested: string | null;
  model: string | null;
  path: string | null;
  user_agent: string | null;
  status: number;
  error_code: string | null;
  error_message: string | null;
  /** 0/1. */
  streamed: number;
  /** 0/1: the client left before the answer was complete. */
  aborted: number;
  duration_ms: number | null;
  ttfb_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_dollars: number | null;
  cost_basis: string | null;
  tool_calls: number;
  tools_allowed: number;
  tools_blocked: number;
  tools_stripped: number;
  /** JSON array of `{plugin, subject, allowed, reason, duration_ms}`. */
  decisions: string | null;
}

/** `capture_tool_calls`: one row per tool call the model made, with what policy decided. */
export interface ToolCallsTable {
  exchange_id: number;
  idx: number;
  /** Copy of the exchange's time, so that a purge needs no join. */
  time_ms: number;
  call_id: string | null;
  kind: string;
  name: string;
  /** JSON object. */
  arguments: string | null;
  decision: 'allow' | 'block' | 'strip';
  decided_by: string | null;
  reason: string | null;
  decision_ms: number | null;
}

/** `capture_payloads`: the bodies and headers of an exchange; what retention purges. */
export interface PayloadsTable {
  exchange_id: number;
  /** Copy of the exchange's time, so that a purge needs no join. */
  time_ms: number;
  user_message: string | null;
  /** JSON texts. */
  request_headers: string | null;
  response_headers: string | null;
  request_body: string | null;
  response_body: string | null;
  client_response_body: string | null;
  raw_responses: string | null;
}

/** The capture plugin's tables. */
export interface CaptureTables {
  capture_exchanges: ExchangesTable;
  capture_tool_calls: ToolCallsTable;
  capture_payloads: PayloadsTable;
}
