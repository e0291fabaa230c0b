import { formatSseEvent } from '../../sse/sse-event.js';
import { asObject } from '../content-text.js';
import { type MockPlan, type MockRenderer, chunkText } from '../../providers/mock/mock-renderer.js';

function usage(plan: MockPlan) {
  return { prompt_tokens: plan.usage.input, completion_tokens: plan.usage.output, total_tokens: plan.usage.input + plan.usage.output };
}

/** Mock answers in the OpenAI Chat Completions format. */
export const openAiChatMockRenderer: MockRenderer = {
  json(plan) {
    const message: Record<string, unknown> = { role: 'assistant', content: plan.text ?? null, refusal: null };
    if (plan.toolCalls.length > 0) {
      message.tool_calls = plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
    return {
      id: `chatcmpl-mock-${plan.id}`,
      object: 'chat.completion',
      created: plan.created,
      model: plan.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
      usage: usage(plan),
      system_fingerprint: 'fp_tollgate_mock',
    };
  },
  stream(plan, { body }) {
    const base = { id: `chatcmpl-mock-${plan.id}`, object: 'chat.completion.chunk', created: plan.created, model: plan.model, system_fingerprint: 'fp_tollgate_mock' };
    const frame = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      formatSseEvent(JSON.stringify({ ...base, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }], ...extra }));
    const frames = [frame({ delta: { role: 'assistant', content: plan.toolCalls.length > 0 ? null : '' } })];
    for (const piece of chunkText(plan.text ?? '', 12)) frames.push(frame({ delta: { content: piece } }));
    plan.toolCalls.forEach((call, index) => {
      frames.push(frame({ delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] } }));
      for (const piece of chunkText(call.arguments, 8)) frames.push(frame({ delta: { tool_calls: [{ index, function: { arguments: piece } }] } }));
    });
    frames.push(frame({ delta: {}, finish_reason: plan.toolCalls.length > 0 ? 'tool_calls' : 'stop' }));
    // As OpenAI: the usage chunk only when the request asks for it.
    if (asObject(body?.stream_options)?.include_usage === true) frames.push(formatSseEvent(JSON.stringify({ ...base, choices: [], usage: usage(plan) })));
    frames.push('data: [DONE]\n\n');
    return frames;
  },
};
