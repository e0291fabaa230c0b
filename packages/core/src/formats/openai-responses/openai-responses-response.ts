import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strippedCallNote } from '../tool-arguments.js';
import { type ToolCall, type Usage, emptyUsage } from '../../types/tool-call.js';

/**
 * Output item types that are tool calls the client executes, with how each names its tool and
 * reads its parameters: functions (JSON arguments), custom tools (free-form `input`), and the
 * built-in tools Codex runs locally (`local_shell`, `shell`, `apply_patch`; named after their
 * tool type, parameters = the action or operation).
 */
export const RESPONSES_CALL_ITEMS: Readonly<Record<string, (item: Record<string, unknown>) => { name: string; params: Record<string, unknown> }>> = {
  function_call: (item) => ({ name: String(item.name ?? ''), params: parseToolArguments(typeof item.arguments === 'string' ? item.arguments : '') }),
  custom_tool_call: (item) => ({ name: String(item.name ?? ''), params: { input: typeof item.input === 'string' ? item.input : '' } }),
  local_shell_call: (item) => ({ name: 'local_shell', params: asObject(item.action) ?? {} }),
  shell_call: (item) => ({ name: 'shell', params: asObject(item.action) ?? {} }),
  apply_patch_call: (item) => ({ name: 'apply_patch', params: asObject(item.operation) ?? {} }),
};

/** Tool types (in a request's `tools`) that the built-in call items above belong to. */
export const RESPONSES_BUILTIN_CLIENT_TOOLS: ReadonlySet<string> = new Set(['local_shell', 'shell', 'apply_patch']);

/** True when an output item is a tool call (see {@link RESPONSES_CALL_ITEMS}). */
export function isResponsesCallItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return item !== undefined && typeof item.type === 'string' && Object.hasOwn(RESPONSES_CALL_ITEMS, item.type);
}

/** The normalised call of a call item; `index` is its position among the response's calls. */
export function responsesToolCall(item: Record<string, unknown>, index: number): ToolCall {
  const read = RESPONSES_CALL_ITEMS[String(item.type)] ?? RESPONSES_CALL_ITEMS.function_call;
  const { name, params } = (read as (i: Record<string, unknown>) => { name: string; params: Record<string, unknown> })(item);
  return { id: String(item.call_id ?? item.id ?? ''), name, params, index };
}

/** Normalises a Responses `usage` object (`input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`). */
export function openAiResponsesUsage(raw: unknown): Usage {
  const u = asObject(raw);
  const usage = emptyUsage();
  if (u === undefined) return usage;
  usage.inputTokens = num(u.input_tokens);
  usage.outputTokens = num(u.output_tokens);
  usage.cachedTokens = num(asObject(u.input_tokens_details)?.cached_tokens);
  usage.cacheWriteTokens = num(asObject(u.input_tokens_details)?.cache_write_tokens);
  usage.reasoningTokens = num(asObject(u.output_tokens_details)?.reasoning_tokens);
  usage.totalTokens = num(u.total_tokens) || usage.inputTokens + usage.outputTokens;
  return usage;
}

/** Tool calls of a Responses body (`output` call items), in order. */
export function openAiResponsesToolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const raw of asArray(asObject(body)?.output)) {
    const item = asObject(raw);
    if (isResponsesCallItem(item)) calls.push(responsesToolCall(item, calls.length));
  }
  return calls;
}

/** Id of the message item that replaces a stripped call item. */
export function noteItemId(callItem: Record<string, unknown>, index: number): string {
  return `msg_tollgate_${String(callItem.id ?? callItem.call_id ?? index)}`;
}

/** The `output_text` content part carrying a note. */
export function notePart(text: string): Record<string, unknown> {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

/** The completed assistant message item that takes a stripped call's place. */
export function noteMessageItem(id: string, stripped: StrippedCall): Record<string, unknown> {
  return { id, type: 'message', status: 'completed', role: 'assistant', content: [notePart(strippedCallNote(stripped.call.name, stripped.message))] };
}

/**
 * Replaces stripped call items of an `output` array (matched by their position among the call
 * items) with assistant message items carrying the note, in place: output positions do not
 * move.
 */
export function replaceStrippedItems(output: unknown, byIndex: ReadonlyMap<number, StrippedCall>): unknown[] {
  let position = 0;
  return asArray(output).map((raw) => {
    const item = asObject(raw);
    if (!isResponsesCallItem(item)) return raw;
    const s = byIndex.get(position);
    const id = noteItemId(item, position);
    position++;
    return s === undefined ? raw : noteMessageItem(id, s);
  });
}

/**
 * Removes stripped calls from a Responses body: each stripped call item becomes an assistant
 * message with the note, at the same output position. (The Responses API has no finish reason
 * to correct: a turn without call items simply ends.)
 */
export function stripOpenAiResponsesToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  if (!Array.isArray(copy.output)) return copy;
  copy.output = replaceStrippedItems(copy.output, new Map(stripped.map((s) => [s.call.index, s])));
  return copy;
}
