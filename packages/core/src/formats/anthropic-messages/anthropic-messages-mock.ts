import { isCountTokens } from './anthropic-messages-path.js';
import { formatSseEvent } from '../../sse/sse-event.js';
import { type MockPlan, type MockRenderer, chunkText } from '../../providers/mock/mock-renderer.js';

function toolUseId(plan: MockPlan, index: number): string {
  return `toolu_mock_${plan.id.slice(0, 16)}_${index}`;
}

function stopReason(plan: MockPlan): string {
  return plan.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

function usage(plan: MockPlan, output: number) {
  return { input_tokens: plan.usage.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output };
}

/** Mock answers in the Anthropic Messages format (named events, `ping`, no `[DONE]`). */
export const anthropicMessagesMockRenderer: MockRenderer = {
  json(plan, { path }) {
    if (isCountTokens(path.split('?')[0] as string)) return { input_tokens: plan.usage.input };
    const content: unknown[] = [];
    if (plan.text !== undefined) content.push({ type: 'text', text: plan.text });
    plan.toolCalls.forEach((c, i) => content.push({ type: 'tool_use', id: toolUseId(plan, i), name: c.name, input: JSON.parse(c.arguments) as unknown }));
    return {
      id: `msg_mock_${plan.id}`,
      type: 'message',
      role: 'assistant',
      model: plan.model,
      content,
      stop_reason: stopReason(plan),
      stop_sequence: null,
      usage: usage(plan, plan.usage.output),
    };
  },
  stream(plan) {
    const frames: string[] = [];
    const emit = (type: string, fields: Record<string, unknown> = {}): void => {
      frames.push(formatSseEvent(JSON.stringify({ type, ...fields }), type));
    };
    emit('message_start', {
      message: { id: `msg_mock_${plan.id}`, type: 'message', role: 'assistant', model: plan.model, content: [], stop_reason: null, stop_sequence: null, usage: usage(plan, 1) },
    });
    let index = 0;
    if (plan.text !== undefined) {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      emit('ping');
      for (const piece of chunkText(plan.text, 12)) emit('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      emit('content_block_stop', { index });
      index++;
    }
    plan.toolCalls.forEach((call, i) => {
      emit('content_block_start', { index, content_block: { type: 'tool_use', id: toolUseId(plan, i), name: call.name, input: {} } });
      emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const piece of chunkText(call.arguments, 8)) emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      emit('content_block_stop', { index });
      index++;
    });
    emit('message_delta', { delta: { stop_reason: stopReason(plan), stop_sequence: null }, usage: { output_tokens: plan.usage.output } });
    emit('message_stop');
    return frames;
  },
};
