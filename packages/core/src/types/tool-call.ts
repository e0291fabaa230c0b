/**
 * What kind of tool call a call is. Calls the client executes: `function` (OpenAI function
 * calls, Anthropic `tool_use`, Gemini `functionCall`), `custom` (free-form custom tools, params
 * `{ input }`), and the Responses API's built-in client tools `computer`, `local_shell`,
 * `shell`, `apply_patch`, `mcp_approval` (an MCP approval request the client answers) and
 * `tool_search` (a tool search the client runs).
 * Calls the provider executes itself (see {@link ToolCall.executor}): `web_search`,
 * `file_search`, `code_interpreter`, `image_generation`, `mcp` (Responses), `server_tool`,
 * `mcp_tool` (Anthropic), `code_execution` (Gemini). `docs/hooks.md` lists them per format.
 */
export type ToolCallKind =
  | 'function'
  | 'custom'
  | 'computer'
  | 'local_shell'
  | 'shell'
  | 'apply_patch'
  | 'mcp_approval'
  | 'tool_search'
  | 'web_search'
  | 'file_search'
  | 'code_interpreter'
  | 'image_generation'
  | 'mcp'
  | 'server_tool'
  | 'mcp_tool'
  | 'code_execution';

/** A tool call the model made, normalised across API formats. */
export interface ToolCall {
  /** Call id as the client sees it (`call_…`, `toolu_…`; made up by core for Gemini); `""` when the provider sent none. */
  readonly id: string;
  /** What kind of call it is (`function` for plain function/tool calls). */
  readonly kind: ToolCallKind;
  /** Tool (function) name; for built-in tools the tool type (`computer`, `local_shell`, `shell`, `apply_patch`). */
  readonly name: string;
  /**
   * Arguments as the client reads them: parsed JSON (escapes decoded), `{}` when the call has
   * none; built-in tools give their action or operation object, custom tools `{ input }`. When
   * `onToolCall` is tapped, a call whose arguments the gateway cannot parse with certainty never
   * reaches a tap: the response is refused. Otherwise (observers only) unparseable arguments are
   * kept as `{ _raw: "…" }`.
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** Position of the call in the response (0-based, in arrival order). */
  readonly index: number;
  /**
   * Who runs the call: `client` (the default when absent; `onToolCall` decides it) or `provider`
   * (server-side tools; recorded for observers in `Exchange.providerToolCalls`, never decided).
   */
  readonly executor?: 'client' | 'provider';
}

/** A tool the request declares to the model. */
export interface DeclaredTool {
  /** Tool name. */
  readonly name: string;
  /** Description, when given. */
  readonly description?: string;
  /** JSON Schema of the arguments, when given. */
  readonly parameters?: unknown;
}

/** Token usage, normalised across formats. Absent counts are 0. */
export interface Usage {
  /** Prompt/input tokens (including cached). */
  inputTokens: number;
  /** Completion/output tokens (including reasoning). */
  outputTokens: number;
  /** Input tokens served from cache. */
  cachedTokens: number;
  /** Output tokens spent on reasoning/thinking. */
  reasoningTokens: number;
  /** Cache-write input tokens (Anthropic), when reported. */
  cacheWriteTokens: number;
  /** Total as reported, else input + output. */
  totalTokens: number;
}

/** An empty {@link Usage}. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, cacheWriteTokens: 0, totalTokens: 0 };
}

/** The outcome of the `onToolCall` hook for one call. */
export interface ToolCallDecision {
  /** The call decided on. */
  readonly call: ToolCall;
  /** `allowed`, or what a denial did: `blocked` or `stripped`. */
  readonly outcome: 'allowed' | 'blocked' | 'stripped';
  /** The plugin that denied (absent when allowed). */
  readonly by?: string;
  /** The denial message (absent when allowed). */
  readonly message?: string;
  /** Time spent in `onToolCall` taps for this call, in milliseconds. */
  readonly durationMs: number;
}
