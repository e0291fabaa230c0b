import type { BatchWriterStats, StoreDialect } from '@tollgate/store';
import type { PurgeResult } from './purge.js';

/** Tap name, log binding and config key of the capture plugin. */
export const PLUGIN_NAME = 'capture';

/** A clock (tests pass a fake one to drive retention). */
export interface CaptureClock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Injectable dependencies of the capture plugin. */
export interface CapturePluginDeps {
  /** Clock of the retention purge. @default Date */
  readonly clock?: CaptureClock;
}

/** What the capture plugin of this process has done: its writer's counters, the store, retention. */
export interface CaptureStats {
  /** The store: `sqlite` or `postgres`, and where (no password). */
  readonly store: { readonly dialect: StoreDialect; readonly location: string };
  /** The batch writer: records buffered, written, dropped (by reason), failed writes, health. */
  readonly writer: BatchWriterStats;
  /** Exchanges seen but not captured because nobody was identified (401s and the like). */
  readonly unidentified: number;
  /** The retention in force. */
  readonly retention: {
    /** Captures (bodies, headers) are written. */
    readonly keepCaptures: boolean;
    /** Tool-call records are written. */
    readonly keepTools: boolean;
    /** How long captures are kept (ms); null: forever. */
    readonly maxAgeMs: number | null;
    /** A purge also deletes tool calls. */
    readonly purgeTools: boolean;
  };
  /** The last purge of this process, if any ran. */
  readonly lastPurge: PurgeResult | null;
}

/** Token counts of an exchange. */
export interface UsageCounts {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cached_tokens: number;
  readonly reasoning_tokens: number;
}

/** Tool-call counts by decision. */
export interface DecisionCounts {
  readonly total: number;
  readonly allow: number;
  readonly block: number;
  readonly strip: number;
}

/** A tool-call decision word. */
export type ToolDecision = 'allow' | 'block' | 'strip';

/** One captured request as `GET /api/requests` lists it (contracts section 3). */
export interface RequestSummary {
  readonly id: string;
  /** ISO-8601 UTC start time. */
  readonly time: string;
  readonly login: string;
  readonly display_name: string | null;
  readonly tags: readonly string[] | null;
  readonly node: string | null;
  readonly session_id: string | null;
  readonly format: string;
  readonly provider: string | null;
  readonly model_requested: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly error_code: string | null;
  readonly streamed: boolean;
  readonly duration_ms: number | null;
  readonly ttfb_ms: number | null;
  readonly usage: UsageCounts;
  readonly cost: { readonly dollars: number | null; readonly cost_basis: string | null };
  readonly tool_calls: DecisionCounts;
}

/** One tool call with what was decided about it. */
export interface ToolCallRecord {
  readonly index: number;
  readonly id: string | null;
  readonly kind: string;
  readonly name: string;
  readonly arguments: unknown;
  readonly decision: ToolDecision;
  /** The plugin that blocked or stripped the call (null when allowed). */
  readonly decided_by: string | null;
  readonly reason: string | null;
  readonly decision_ms: number | null;
}

/** One policy decision recorded on a request (grants, Oso, guardrails). */
export interface DecisionRecord {
  readonly plugin: string;
  readonly subject: string;
  readonly allowed: boolean;
  readonly reason: string | null;
  readonly duration_ms: number | null;
}

/** `GET /api/requests/{id}`'s `request`: the whole record. */
export interface RequestDetail extends Omit<RequestSummary, 'tool_calls'> {
  readonly user_message: string | null;
  readonly user_agent: string | null;
  readonly path: string | null;
  readonly request_headers: Readonly<Record<string, string>> | null;
  readonly request_body: unknown;
  readonly response_headers: Readonly<Record<string, string>> | null;
  readonly response_body: unknown;
  readonly client_response_body: unknown;
  /** Parsed SSE events, when `save_raws` kept them. */
  readonly raw_responses: readonly unknown[] | null;
  readonly error_message: string | null;
  readonly tool_calls: readonly ToolCallRecord[];
  readonly decisions: readonly DecisionRecord[];
}

/** One session (a conversation) as listed. */
export interface SessionSummary {
  readonly id: string;
  readonly login: string;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly requests: number;
  readonly tool_calls: number;
  readonly blocked: number;
  readonly stripped: number;
  readonly models: readonly string[];
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cost_dollars: number | null;
}

/** One group of `GET /api/tool-use`. */
export interface ToolUseGroup extends DecisionCounts {
  readonly key: string;
}

/** One group of `GET /api/usage`. */
export interface UsageGroup extends UsageCounts {
  readonly key: string;
  readonly requests: number;
  readonly cost_dollars: number | null;
  readonly unpriced_requests: number;
}
