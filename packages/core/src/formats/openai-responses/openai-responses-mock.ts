import { formatSseEvent } from '../../sse/sse-event.js';
import { type MockPlan, type MockRenderer, chunkText } from '../../providers/mock/mock-renderer.js';

function usage(plan: MockPlan) {
  return {
    input_tokens: plan.usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: plan.usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: plan.usage.input + plan.usage.output,
  };
}

function messageItem(plan: MockPlan, status: string, text: string) {
  return { id: `msg_mock_${plan.id}`, type: 'message', status, role: 'assistant', content: status === 'completed' ? [textPart(text)] : [] };
}

function textPart(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function callItem(plan: MockPlan, index: number, status: string) {
  const call = plan.toolCalls[index] as MockPlan['toolCalls'][number];
  return { id: `fc_mock_${plan.id}_${index}`, type: 'function_call', status, arguments: status === 'completed' ? call.arguments : '', call_id: call.id, name: call.name };
}

function output(plan: MockPlan): unknown[] {
  const items: unknown[] = [];
  if (plan.text !== undefined) items.push(messageItem(plan, 'completed', plan.text));
  plan.toolCalls.forEach((_c, i) => items.push(callItem(plan, i, 'completed')));
  return items;
}

function response(plan: MockPlan, status: 'in_progress' | 'completed', withOutput: boolean) {
  return {
    id: `resp_mock_${plan.id}`,
    object: 'response',
    created_at: plan.created,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model: plan.model,
    output: withOutput ? output(plan) : [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: withOutput ? usage(plan) : null,
    metadata: {},
  };
}

/** Mock answers in the OpenAI Responses format (typed events with sequence numbers, no `[DONE]`). */
export const openAiResponsesMockRenderer: MockRenderer = {
  json(plan) {
    return response(plan, 'completed', true);
  },
  stream(plan) {
    const frames: string[] = [];
    let seq = 0;
    const emit = (type: string, fields: Record<string, unknown>): void => {
      frames.push(formatSseEvent(JSON.stringify({ type, ...fields, sequence_number: seq++ }), type));
    };
    emit('response.created', { response: response(plan, 'in_progress', false) });
    emit('response.in_progress', { response: response(plan, 'in_progress', false) });
    let index = 0;
    if (plan.text !== undefined) {
      const itemId = `msg_mock_${plan.id}`;
      const at = { item_id: itemId, output_index: index, content_index: 0 };
      emit('response.output_item.added', { output_index: index, item: messageItem(plan, 'in_progress', '') });
      emit('response.content_part.added', { ...at, part: textPart('') });
      for (const piece of chunkText(plan.text, 12)) emit('response.output_text.delta', { ...at, delta: piece, logprobs: [] });
      emit('response.output_text.done', { ...at, text: plan.text, logprobs: [] });
      emit('response.content_part.done', { ...at, part: textPart(plan.text) });
      emit('response.output_item.done', { output_index: index, item: messageItem(plan, 'completed', plan.text) });
      index++;
    }
    plan.toolCalls.forEach((call, i) => {
      const item = callItem(plan, i, 'in_progress');
      const at = { item_id: item.id, output_index: index };
      emit('response.output_item.added', { output_index: index, item });
      for (const piece of chunkText(call.arguments, 8)) emit('response.function_call_arguments.delta', { ...at, delta: piece });
      emit('response.function_call_arguments.done', { ...at, arguments: call.arguments });
      emit('response.output_item.done', { output_index: index, item: callItem(plan, i, 'completed') });
      index++;
    });
    emit('response.completed', { response: response(plan, 'completed', true) });
    return frames;
  },
};
