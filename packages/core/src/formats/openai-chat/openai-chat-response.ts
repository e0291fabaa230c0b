import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strippedCallNote } from '../tool-arguments.js';
import { type ToolCall, type Usage, emptyUsage } from '../../types/tool-call.js';

/** Normalises an OpenAI (or compatible: Groq, DeepSeek) chat `usage` object. */
export function openAiChatUsage(raw: unknown): Usage {
  const u = asObject(raw);
  const usage = emptyUsage();
  if (u === undefined) return usage;
  usage.inputTokens = num(u.prompt_tokens);
  usage.outputTokens = num(u.completion_tokens);
  usage.cachedTokens = num(asObject(u.prompt_tokens_details)?.cached_tokens) || num(u.prompt_cache_hit_tokens);
  usage.reasoningTokens = num(asObject(u.completion_tokens_details)?.reasoning_tokens);
  usage.totalTokens = num(u.total_tokens) || usage.inputTokens + usage.outputTokens;
  return usage;
}

/** Tool calls of a chat completion body (`message.tool_calls`, legacy `function_call`). */
export function openAiChatToolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const choice of asArray(asObject(body)?.choices)) {
    const message = asObject(asObject(choice)?.message);
    for (const tc of asArray(message?.tool_calls)) {
      const t = asObject(tc);
      const fn = asObject(t?.function);
      if (t === undefined || fn === undefined) continue;
      calls.push({ id: String(t.id ?? ''), name: String(fn.name ?? ''), params: parseToolArguments(fn.arguments as string), index: calls.length });
    }
    const legacy = asObject(message?.function_call);
    if (legacy !== undefined) {
      calls.push({ id: `function_call_${calls.length}`, name: String(legacy.name ?? ''), params: parseToolArguments(legacy.arguments as string), index: calls.length });
    }
  }
  return calls;
}

/**
 * Removes stripped calls from a chat completion body: the calls leave `tool_calls`, a note
 * joins the message content, and `finish_reason` becomes `stop` when no call is left.
 */
export function stripOpenAiChatToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown {
  const ids = new Map(stripped.map((s) => [s.call.id, s]));
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const choice of asArray(copy.choices)) {
    const c = asObject(choice);
    const message = asObject(c?.message);
    if (c === undefined || message === undefined) continue;
    const notes: string[] = [];
    const kept = asArray(message.tool_calls).filter((tc) => {
      const s = ids.get(String(asObject(tc)?.id));
      if (s !== undefined) notes.push(strippedCallNote(s.call.name, s.message));
      return s === undefined;
    });
    const legacy = asObject(message.function_call);
    if (legacy !== undefined) {
      const s = stripped.find((x) => x.call.id.startsWith('function_call_') && x.call.name === legacy.name);
      if (s !== undefined) {
        notes.push(strippedCallNote(s.call.name, s.message));
        delete message.function_call;
      }
    }
    if (notes.length === 0) continue;
    if (kept.length > 0) message.tool_calls = kept;
    else delete message.tool_calls;
    const text = typeof message.content === 'string' && message.content.length > 0 ? `${message.content}\n\n` : '';
    message.content = text + notes.join('\n');
    if (kept.length === 0 && message.function_call === undefined && (c.finish_reason === 'tool_calls' || c.finish_reason === 'function_call')) c.finish_reason = 'stop';
  }
  return copy;
}
