import { formatSseEvent } from '../../sse/sse-event.js';
import { type MockPlan, type MockRenderer, chunkText } from '../../providers/mock/mock-renderer.js';

function usageMetadata(plan: MockPlan, output: number) {
  return { promptTokenCount: plan.usage.input, candidatesTokenCount: output, totalTokenCount: plan.usage.input + output };
}

function chunk(plan: MockPlan, parts: unknown[], output: number, finish: boolean): Record<string, unknown> {
  return {
    candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: usageMetadata(plan, output),
    modelVersion: plan.model,
    responseId: `mock${plan.id}`,
  };
}

function callParts(plan: MockPlan): unknown[] {
  return plan.toolCalls.map((c) => ({ functionCall: { name: c.name, args: JSON.parse(c.arguments) as unknown } }));
}

/**
 * The chunks of a streamed mock answer: text in pieces, then the calls complete in one part
 * each (as the Gemini API streams them, without ids), the last chunk with `finishReason`.
 * Usage is cumulative on every chunk.
 */
function chunks(plan: MockPlan): Record<string, unknown>[] {
  const pieces = chunkText(plan.text ?? '', 12);
  const out: Record<string, unknown>[] = [];
  pieces.forEach((piece, i) => out.push(chunk(plan, [{ text: piece }], Math.ceil((plan.usage.output * (i + 1)) / pieces.length), false)));
  out.push(chunk(plan, plan.toolCalls.length > 0 ? callParts(plan) : [{ text: '' }], plan.usage.output, true));
  return out;
}

/**
 * Mock answers in the Gemini format: one response for `:generateContent`, SSE chunks for
 * `:streamGenerateContent?alt=sse`, and the JSON array of chunks for `:streamGenerateContent`
 * without `alt=sse`.
 */
export const geminiMockRenderer: MockRenderer = {
  json(plan, context) {
    if (context.path.includes(':streamGenerateContent')) return chunks(plan);
    const parts: unknown[] = [];
    if (plan.text !== undefined) parts.push({ text: plan.text });
    parts.push(...callParts(plan));
    return chunk(plan, parts, plan.usage.output, true);
  },
  stream(plan) {
    return chunks(plan).map((c) => formatSseEvent(JSON.stringify(c)));
  },
};
