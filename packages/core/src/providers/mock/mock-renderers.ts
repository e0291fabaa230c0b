import type { MockPlan } from './mock-plan.js';

/** The request a mock answer is for. */
export interface MockRenderContext {
  /** Upstream path and query (Gemini's model and method live there). */
  readonly path: string;
}

/** Renders a {@link MockPlan} in one API format. */
export interface MockRenderer {
  /** The non-streaming response body (Gemini's `:streamGenerateContent` without `alt=sse`: a JSON array). */
  json(plan: MockPlan, context: MockRenderContext): unknown;
  /** The streamed response: complete SSE frames, in order. */
  stream(plan: MockPlan): string[];
}

const renderers = new Map<string, MockRenderer>();

/** Registers the mock renderer of a format (core registers its built-in formats; plugins may add). */
export function registerMockRenderer(format: string, renderer: MockRenderer): void {
  renderers.set(format, renderer);
}

/** The mock renderer of a format, if any. */
export function mockRenderer(format: string): MockRenderer | undefined {
  return renderers.get(format);
}
