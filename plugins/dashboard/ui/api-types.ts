/**
 * Shapes of the read API (contracts section 3), the admin config API (section 4) and the
 * dashboard plugin's own `/api/dashboard`, as the browser app reads them. Every string in
 * them may come from a caller or a model: render as text only.
 */

/** `GET /api/whoami`. */
export interface WhoAmI {
  readonly login: string;
  readonly display_name: string | null;
  readonly role: 'admin' | 'user' | null;
  readonly capabilities: readonly string[];
}

/** Tool-call counts by decision. */
export interface DecisionCounts {
  readonly total: number;
  readonly allow: number;
  readonly block: number;
  readonly strip: number;
}

/** One captured request, as listed. */
export interface RequestSummary {
  readonly id: string;
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
  readonly status: number | null;
  readonly error_code: string | null;
  readonly streamed: boolean;
  readonly duration_ms: number | null;
  readonly ttfb_ms: number | null;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number; readonly cached_tokens: number; readonly reasoning_tokens: number } | null;
  readonly cost: { readonly dollars: number | null; readonly cost_basis: string | null } | null;
  readonly tool_calls: DecisionCounts;
}

/** One tool call the model made, with what was decided about it. */
export interface ToolCallRecord {
  readonly index: number;
  readonly id: string | null;
  readonly kind: string | null;
  readonly name: string;
  readonly arguments: unknown;
  readonly decision: Decision;
  readonly decided_by: string | null;
  readonly reason: string | null;
  readonly decision_ms: number | null;
}

/** A tool-call decision. */
export type Decision = 'allow' | 'block' | 'strip';

/** One policy decision taken on a request. */
export interface DecisionRecord {
  readonly plugin: string;
  readonly subject: string;
  readonly allowed: boolean;
  readonly reason: string | null;
  readonly duration_ms: number | null;
}

/** `GET /api/requests/{id}`'s `request`. */
export interface RequestDetail extends Omit<RequestSummary, 'tool_calls'> {
  readonly user_message: string | null;
  readonly user_agent: string | null;
  readonly path: string | null;
  readonly request_headers: Readonly<Record<string, string | readonly string[]>> | null;
  readonly request_body: unknown;
  readonly response_headers: Readonly<Record<string, string | readonly string[]>> | null;
  readonly response_body: unknown;
  readonly client_response_body: unknown;
  readonly error_message: string | null;
  readonly tool_calls: readonly ToolCallRecord[];
  readonly decisions: readonly DecisionRecord[];
}

/** One session (a conversation), as listed. */
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

/** A page of a list endpoint. */
export interface Page {
  readonly next_cursor: string | null;
}

/** `GET /api/requests`. */
export interface RequestList extends Page {
  readonly requests: readonly RequestSummary[];
}

/** `GET /api/sessions`. */
export interface SessionList extends Page {
  readonly sessions: readonly SessionSummary[];
}

/** `GET /api/sessions/{id}`. */
export interface SessionDetail {
  readonly session: SessionSummary;
  readonly requests: readonly RequestSummary[];
}

/** `GET /api/tool-use`. */
export interface ToolUse {
  readonly group_by: string;
  readonly groups: readonly (DecisionCounts & { readonly key: string })[];
}

/** One row of `GET /api/usage`. */
export interface UsageGroup {
  readonly key: string;
  readonly requests: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cached_tokens: number;
  readonly reasoning_tokens: number;
  readonly cost_dollars: number | null;
  readonly unpriced_requests: number;
}

/** `GET /api/usage`. */
export interface Usage {
  readonly group_by: string;
  readonly groups: readonly UsageGroup[];
}

/** One bucket of `GET /api/quotas` (amounts in integer nanodollars, and as dollar texts). */
export interface QuotaBucket {
  readonly name: string;
  readonly quota: string;
  readonly current: number;
  readonly capacity: number;
  readonly rate: string;
  readonly updated: string | null;
  readonly current_dollars: string;
  readonly capacity_dollars: string;
}

/** `GET /api/quotas`. */
export interface QuotaList {
  readonly buckets: readonly QuotaBucket[];
  /** Admins only: quotas whose configuration cannot be parsed. */
  readonly invalid?: readonly { readonly quota: string; readonly reason: string }[];
}

/** One model of `GET /api/models`. */
export interface ModelInfo {
  readonly id: string;
  readonly provider: string;
  readonly provider_name: string | null;
  readonly compatibility: readonly string[];
  readonly endpoints: readonly string[];
  readonly allowed: boolean;
  readonly pricing: { readonly input_per_mtok: number | null; readonly output_per_mtok: number | null } | null;
}

/** `GET /api/models`. */
export interface ModelList {
  readonly models: readonly ModelInfo[];
}

/** `GET /api/dashboard` (this plugin). */
export interface DashboardSettings {
  readonly oso: { readonly configured: boolean; readonly hook: string | null; readonly dashboard_url: string };
}

/** One validation problem with its path (`plugins.webhook/hooks/oso/url`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** One problem of `POST /aperture/config:validate`'s `issues`, with its severity. */
export interface ConfigIssue extends ConfigProblem {
  readonly severity: 'error' | 'warning' | 'note';
}

/**
 * `POST /aperture/config:validate`. Core answers `errors` as `"<location>: <message>"` texts (as
 * Aperture does) and every problem with its path and severity in `issues`; `warnings` is read
 * too, for servers that list them apart.
 */
export interface ValidateResult {
  readonly valid: boolean;
  readonly errors: readonly (ConfigProblem | string)[];
  readonly warnings?: readonly (ConfigProblem | string)[];
  readonly issues?: readonly ConfigIssue[];
}
