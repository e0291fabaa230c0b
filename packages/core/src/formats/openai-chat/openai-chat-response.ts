import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strictToolArguments, strippedCallNote } from '../tool-arguments.js';
import { absent, optionalString, refuseUnreadable, strictObject } from '../unreadable-response.js';
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

/** Options of {@link openAiChatToolCalls}. */
export interface ChatToolCallOptions {
  /** Refuse (throw `UnreadableResponseError`) shapes and arguments the gateway cannot read with certainty. */
  readonly strict?: boolean;
}

/** Parses a call's argument text; strict reading refuses text that is not a JSON object (or empty). */
export function chatArguments(text: unknown, strict: boolean, what: string): Record<string, unknown> {
  if (!strict) return parseToolArguments(typeof text === 'string' ? text : undefined);
  return strictToolArguments(optionalString(text, what) ?? '', what);
}

/**
 * Visits the tool calls of a chat completion body in order (`message.tool_calls` of each choice,
 * then its legacy `function_call`), with the call as core reads it. Strict reading refuses
 * call shapes it does not know and arguments that are not a JSON object.
 */
function eachChatCall(body: unknown, strict: boolean, visit: (call: ToolCall, choice: Record<string, unknown>, raw: unknown) => void): void {
  let position = 0;
  const root = strict ? strictObject(body, 'the response') : asObject(body);
  if (strict && !absent(root?.choices) && !Array.isArray(root?.choices)) refuseUnreadable('choices is not an array');
  for (const choice of asArray(root?.choices)) {
    const c = strict ? strictObject(choice, 'a choice') : asObject(choice);
    if (c === undefined) continue;
    const message = strict && !absent(c.message) ? strictObject(c.message, 'a message') : asObject(c.message);
    if (strict && !absent(message?.tool_calls) && !Array.isArray(message?.tool_calls)) refuseUnreadable('tool_calls is not an array');
    for (const tc of asArray(message?.tool_calls)) {
      const t = strict ? strictObject(tc, 'a tool call') : asObject(tc);
      if (t === undefined) continue;
      const id = strict ? (optionalString(t.id, 'a tool call id') ?? '') : String(t.id ?? '');
      if (t.type === 'custom' || (!strict && t.function === undefined && asObject(t.custom) !== undefined)) {
        const custom = strict ? strictObject(t.custom, 'a custom tool call') : (asObject(t.custom) ?? {});
        const name = strict ? (optionalString(custom.name, 'a custom tool name') ?? '') : String(custom.name ?? '');
        const input = strict ? (optionalString(custom.input, 'a custom tool input') ?? '') : typeof custom.input === 'string' ? custom.input : '';
        visit({ id, kind: 'custom', name, params: { input }, index: position++ }, c, tc);
        continue;
      }
      if (strict && !absent(t.type) && t.type !== 'function') refuseUnreadable('a tool call of an unknown type');
      const fn = strict ? strictObject(t.function, 'a tool call function') : asObject(t.function);
      if (fn === undefined) continue;
      const name = strict ? (optionalString(fn.name, 'a tool call name') ?? '') : String(fn.name ?? '');
      visit({ id, kind: 'function', name, params: chatArguments(fn.arguments, strict, 'tool call arguments'), index: position++ }, c, tc);
    }
    const legacy = strict && !absent(message?.function_call) ? strictObject(message?.function_call, 'a function call') : asObject(message?.function_call);
    if (legacy !== undefined) {
      const name = strict ? (optionalString(legacy.name, 'a function call name') ?? '') : String(legacy.name ?? '');
      visit({ id: `function_call_${position}`, kind: 'function', name, params: chatArguments(legacy.arguments, strict, 'function call arguments'), index: position++ }, c, legacy);
    }
  }
}

/** Tool calls of a chat completion body (`message.tool_calls` (function and custom), legacy `function_call`). */
export function openAiChatToolCalls(body: unknown, options: ChatToolCallOptions = {}): ToolCall[] {
  const calls: ToolCall[] = [];
  eachChatCall(body, options.strict === true, (call) => calls.push(call));
  return calls;
}

/**
 * Removes stripped calls (matched by their position among the body's calls, as
 * {@link openAiChatToolCalls} numbers them, so calls without an id are removed too) from a chat
 * completion body: the calls leave `tool_calls`, a note joins the message content, and
 * `finish_reason` becomes `stop` when no call is left.
 */
export function stripOpenAiChatToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown {
  const byIndex = new Map(stripped.map((s) => [s.call.index, s]));
  const copy = structuredClone(body) as Record<string, unknown>;
  const gone = new Set<unknown>();
  const notes = new Map<Record<string, unknown>, string[]>();
  eachChatCall(copy, false, (call, choice, raw) => {
    const s = byIndex.get(call.index);
    if (s === undefined) return;
    gone.add(raw);
    const list = notes.get(choice) ?? [];
    list.push(strippedCallNote(s.call.name, s.message));
    notes.set(choice, list);
  });
  for (const [c, list] of notes) {
    const message = asObject(c.message) as Record<string, unknown>;
    const kept = asArray(message.tool_calls).filter((tc) => !gone.has(tc));
    if (kept.length > 0) message.tool_calls = kept;
    else delete message.tool_calls;
    if (gone.has(message.function_call)) delete message.function_call;
    const text = typeof message.content === 'string' && message.content.length > 0 ? `${message.content}\n\n` : '';
    message.content = text + list.join('\n');
    if (kept.length === 0 && message.function_call === undefined && (c.finish_reason === 'tool_calls' || c.finish_reason === 'function_call')) c.finish_reason = 'stop';
  }
  return copy;
}
