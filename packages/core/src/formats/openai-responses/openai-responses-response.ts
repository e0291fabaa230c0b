import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strictToolArguments, strippedCallNote } from '../tool-arguments.js';
import { type ToolCall, type ToolCallKind, type Usage, emptyUsage } from '../../types/tool-call.js';
import { absent, optionalString, refuseUnreadable, strictObject } from '../unreadable-response.js';

/** How one output item type is read as a tool call. */
export interface ResponsesCallItem {
  /** The call's kind. */
  readonly kind: ToolCallKind;
  /** Who runs it: the client (decided by `onToolCall`) or OpenAI (recorded only). */
  readonly executor: 'client' | 'provider' | ((item: Record<string, unknown>) => 'client' | 'provider');
  /** The call's name and params (strictly: refusing what cannot be read with certainty). */
  read(item: Record<string, unknown>, strict: boolean): { name: string; params: Record<string, unknown> };
}

/** An object field of an item (its action, operation), `{}` when absent; strictly, anything else is refused. */
function objectField(item: Record<string, unknown>, field: string, strict: boolean): Record<string, unknown> {
  if (strict && !absent(item[field])) return strictObject(item[field], `a call's ${field}`);
  return asObject(item[field]) ?? {};
}

function nameOf(item: Record<string, unknown>, strict: boolean): string {
  return strict ? (optionalString(item.name, 'a call name') ?? '') : String(item.name ?? '');
}

function jsonArguments(item: Record<string, unknown>, strict: boolean): Record<string, unknown> {
  if (strict) return strictToolArguments(optionalString(item.arguments, 'call arguments') ?? '');
  return parseToolArguments(typeof item.arguments === 'string' ? item.arguments : '');
}

/**
 * Output item types that are tool calls, with their kind, who runs them, and how each names its
 * tool and reads its params. The client runs functions (JSON arguments), custom tools (free-form
 * `input`), the built-in client tools (`computer`, `local_shell`, `shell`, `apply_patch`; named
 * after their tool type, params = the action or operation), MCP approval requests (the client
 * approves or denies) and client tool searches; OpenAI runs web search, file search, the code
 * interpreter, image generation, MCP calls and server tool searches.
 */
export const RESPONSES_CALL_ITEMS: Readonly<Record<string, ResponsesCallItem>> = {
  function_call: { kind: 'function', executor: 'client', read: (item, strict) => ({ name: nameOf(item, strict), params: jsonArguments(item, strict) }) },
  custom_tool_call: { kind: 'custom', executor: 'client', read: (item, strict) => ({ name: nameOf(item, strict), params: { input: strict ? (optionalString(item.input, 'a custom tool input') ?? '') : typeof item.input === 'string' ? item.input : '' } }) },
  computer_call: {
    kind: 'computer',
    executor: 'client',
    read: (item, strict) => {
      if (strict && !absent(item.actions) && !Array.isArray(item.actions)) refuseUnreadable("a computer call's actions are not an array");
      return { name: 'computer', params: Array.isArray(item.actions) ? { ...objectField(item, 'action', strict), actions: item.actions } : objectField(item, 'action', strict) };
    },
  },
  local_shell_call: { kind: 'local_shell', executor: 'client', read: (item, strict) => ({ name: 'local_shell', params: objectField(item, 'action', strict) }) },
  shell_call: { kind: 'shell', executor: 'client', read: (item, strict) => ({ name: 'shell', params: objectField(item, 'action', strict) }) },
  apply_patch_call: { kind: 'apply_patch', executor: 'client', read: (item, strict) => ({ name: 'apply_patch', params: objectField(item, 'operation', strict) }) },
  mcp_approval_request: { kind: 'mcp_approval', executor: 'client', read: (item, strict) => ({ name: nameOf(item, strict), params: jsonArguments(item, strict) }) },
  tool_search_call: {
    kind: 'tool_search',
    executor: (item) => (item.execution === 'client' ? 'client' : 'provider'),
    read: (item, strict) => ({ name: 'tool_search', params: strict && !absent(item.arguments) ? strictObject(item.arguments, 'tool search arguments') : (asObject(item.arguments) ?? {}) }),
  },
  web_search_call: { kind: 'web_search', executor: 'provider', read: (item) => ({ name: 'web_search', params: asObject(item.action) ?? {} }) },
  file_search_call: { kind: 'file_search', executor: 'provider', read: (item) => ({ name: 'file_search', params: { queries: item.queries ?? [] } }) },
  code_interpreter_call: { kind: 'code_interpreter', executor: 'provider', read: (item) => ({ name: 'code_interpreter', params: { code: item.code ?? null } }) },
  image_generation_call: { kind: 'image_generation', executor: 'provider', read: () => ({ name: 'image_generation', params: {} }) },
  mcp_call: { kind: 'mcp', executor: 'provider', read: (item) => ({ name: String(item.name ?? ''), params: parseToolArguments(typeof item.arguments === 'string' ? item.arguments : '') }) },
};

/** Output item types that are not calls (messages, reasoning, outputs, listings). */
export const RESPONSES_OTHER_ITEMS: ReadonlySet<string> = new Set([
  'message', 'reasoning', 'compaction', 'program', 'program_output', 'additional_tools', 'mcp_list_tools', 'mcp_approval_response', 'tool_search_output',
  'function_call_output', 'computer_call_output', 'local_shell_call_output', 'shell_call_output', 'apply_patch_call_output', 'custom_tool_call_output',
]);

/** Tool types (in a request's `tools`) that the built-in call items above belong to. */
export const RESPONSES_BUILTIN_CLIENT_TOOLS: ReadonlySet<string> = new Set(['local_shell', 'shell', 'apply_patch']);

/** Who runs a call item (`undefined` when the item is no call). */
export function responsesItemExecutor(item: Record<string, unknown> | undefined): 'client' | 'provider' | undefined {
  if (item === undefined || typeof item.type !== 'string' || !Object.hasOwn(RESPONSES_CALL_ITEMS, item.type)) return undefined;
  const executor = (RESPONSES_CALL_ITEMS[item.type] as ResponsesCallItem).executor;
  return typeof executor === 'function' ? executor(item) : executor;
}

/** True when an output item is a tool call the client executes (see {@link RESPONSES_CALL_ITEMS}). */
export function isResponsesCallItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return responsesItemExecutor(item) === 'client';
}

/** True when an output item is a tool call OpenAI runs itself. */
export function isResponsesProviderCallItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> {
  return responsesItemExecutor(item) === 'provider';
}

/** Strictly, refuses an output item whose type is unknown. */
export function checkResponsesItem(item: unknown): Record<string, unknown> {
  const obj = strictObject(item, 'an output item');
  if (typeof obj.type !== 'string' || (!Object.hasOwn(RESPONSES_CALL_ITEMS, obj.type) && !RESPONSES_OTHER_ITEMS.has(obj.type))) refuseUnreadable('an output item of an unknown type');
  return obj;
}

/** The normalised call of a call item; `index` is its position among the response's calls. */
export function responsesToolCall(item: Record<string, unknown>, index: number, strict = false): ToolCall {
  const entry = RESPONSES_CALL_ITEMS[String(item.type)] ?? (RESPONSES_CALL_ITEMS.function_call as ResponsesCallItem);
  const { name, params } = entry.read(item, strict);
  const id = strict ? (optionalString(item.call_id, 'a call id') ?? optionalString(item.id, 'an item id') ?? '') : String(item.call_id ?? item.id ?? '');
  const executor = responsesItemExecutor(item);
  return executor === 'provider' ? { id, kind: entry.kind, name, params, index, executor } : { id, kind: entry.kind, name, params, index };
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

/** The calls of a Responses body: the client's and OpenAI's own, in order. */
export interface ResponsesCalls {
  /** Call items the client runs. */
  readonly toolCalls: ToolCall[];
  /** Call items OpenAI ran. */
  readonly providerToolCalls: ToolCall[];
}

/** Reads the call items of a Responses body (strictly: known item types only, arguments a JSON object). */
export function readResponsesCalls(body: unknown, options: { readonly strict?: boolean } = {}): ResponsesCalls {
  const strict = options.strict === true;
  const toolCalls: ToolCall[] = [];
  const providerToolCalls: ToolCall[] = [];
  const root = strict ? strictObject(body, 'the response') : asObject(body);
  if (strict && !absent(root?.output) && !Array.isArray(root?.output)) refuseUnreadable('output is not an array');
  for (const raw of asArray(root?.output)) {
    const item = strict ? checkResponsesItem(raw) : asObject(raw);
    if (isResponsesCallItem(item)) toolCalls.push(responsesToolCall(item, toolCalls.length, strict));
    else if (isResponsesProviderCallItem(item)) providerToolCalls.push(responsesToolCall(item, providerToolCalls.length));
  }
  return { toolCalls, providerToolCalls };
}

/** Tool calls of a Responses body (`output` call items the client runs), in order. */
export function openAiResponsesToolCalls(body: unknown): ToolCall[] {
  return readResponsesCalls(body).toolCalls;
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
