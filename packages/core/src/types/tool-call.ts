/** A tool call the model made, normalised across API formats. */
export interface ToolCall {
  /** Call id as the client sees it (`call_…`, `toolu_…`; made up by core for Gemini). */
  readonly id: string;
  /** Tool (function) name. */
  readonly name: string;
  /** Parsed arguments; `{}` when the call has none. Unparseable arguments are kept as `{ _raw: "…" }`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Position of the call in the response (0-based, in arrival order). */
  readonly index: number;
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
