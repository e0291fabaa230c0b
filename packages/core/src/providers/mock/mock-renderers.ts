import type { MockPlan } from './mock-plan.js';

/** Renders a {@link MockPlan} in one API format. */
export interface MockRenderer {
  /** The non-streaming response body. */
  json(plan: MockPlan): unknown;
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
