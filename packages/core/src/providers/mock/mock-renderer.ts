import type { JsonObject } from '../../types/json.js';

/** A tool call the mock LLM makes. */
export interface MockToolCall {
  /** Deterministic call id (`call_mock_…`). */
  readonly id: string;
  /** Tool name. */
  readonly name: string;
  /** Arguments as a JSON string. */
  readonly arguments: string;
}

/** What the mock LLM answers, independent of the API format. */
export interface MockPlan {
  /** Deterministic response id suffix (hex). */
  readonly id: string;
  /** Model as requested. */
  readonly model: string;
  /** Fixed creation time (deterministic output). */
  readonly created: number;
  /** Answer text (absent when the answer is only tool calls). */
  readonly text?: string;
  /** Tool calls. */
  readonly toolCalls: readonly MockToolCall[];
  /** Token counts (about 4 characters a token). */
  readonly usage: { readonly input: number; readonly output: number };
}

/** Splits text into pieces of about `size` characters (for streamed deltas). */
export function chunkText(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The request a mock answer is for. */
export interface MockRenderContext {
  /** Upstream path and query (Gemini's model and method live there). */
  readonly path: string;
  /** The request body as sent to the mock (OpenAI chat reads `stream_options` from it); absent: `{}`. */
  readonly body?: JsonObject;
}

/** Renders a {@link MockPlan} in one API format. */
export interface MockRenderer {
  /** The non-streaming response body (Gemini's `:streamGenerateContent` without `alt=sse`: a JSON array). */
  json(plan: MockPlan, context: MockRenderContext): unknown;
  /** The streamed response: complete SSE frames, in order. */
  stream(plan: MockPlan, context: MockRenderContext): string[];
}
