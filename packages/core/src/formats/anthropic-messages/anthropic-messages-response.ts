import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strippedCallNote } from '../tool-arguments.js';
import { type ToolCall, type ToolCallKind, type Usage, emptyUsage } from '../../types/tool-call.js';
import { absent, optionalString, refuseUnreadable, strictObject } from '../unreadable-response.js';

/** Content block types that are tool calls the client executes (server tools run at Anthropic). */
export const ANTHROPIC_CALL_BLOCK = 'tool_use';

/** Anthropic stop reason of a turn that ends in tool calls. */
export const ANTHROPIC_TOOL_STOP = 'tool_use';

/** Stop reason once every tool call of a turn was stripped. */
export const ANTHROPIC_STOP_AFTER_STRIP = 'end_turn';

/**
 * Normalises an Anthropic `usage` object. Anthropic's `input_tokens` excludes cache reads and
 * cache writes, so the normalised input is their sum (input always includes cached tokens);
 * thinking tokens come from `output_tokens_details.thinking_tokens` when reported.
 */
export function anthropicUsage(raw: unknown): Usage {
  const u = asObject(raw);
  const usage = emptyUsage();
  if (u === undefined) return usage;
  usage.cachedTokens = num(u.cache_read_input_tokens);
  usage.cacheWriteTokens = num(u.cache_creation_input_tokens);
  usage.inputTokens = num(u.input_tokens) + usage.cachedTokens + usage.cacheWriteTokens;
  usage.outputTokens = num(u.output_tokens);
  usage.reasoningTokens = num(asObject(u.output_tokens_details)?.thinking_tokens);
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  return usage;
}

/** Content block types of the Messages API (`@anthropic-ai/sdk` `ContentBlock` and `BetaContentBlock`). */
export const ANTHROPIC_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result',
  'advisor_tool_result', 'code_execution_tool_result', 'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result',
  'tool_search_tool_result', 'mcp_tool_use', 'mcp_tool_result', 'container_upload', 'compaction', 'fallback', 'mcp_tool_listing',
]);

/** Blocks that are tool calls Anthropic runs itself, with their kind (recorded, never decided). */
export const ANTHROPIC_PROVIDER_CALL_BLOCKS: Readonly<Record<string, ToolCallKind>> = { server_tool_use: 'server_tool', mcp_tool_use: 'mcp_tool' };

/** Options of {@link anthropicToolCalls}. */
export interface AnthropicReadOptions {
  /** Refuse (throw `UnreadableResponseError`) shapes the gateway cannot read with certainty. */
  readonly strict?: boolean;
}

/** The calls of a Messages response body: `tool_use` blocks (the client's) and server tool blocks (the provider's). */
export interface AnthropicCalls {
  /** `tool_use` blocks, in order. */
  readonly toolCalls: ToolCall[];
  /** `server_tool_use` and `mcp_tool_use` blocks, in order. */
  readonly providerToolCalls: ToolCall[];
}

/** Reads the calls of a Messages response body (strictly: known block types only, `input` an object). */
export function readAnthropicCalls(body: unknown, options: AnthropicReadOptions = {}): AnthropicCalls {
  const strict = options.strict === true;
  const toolCalls: ToolCall[] = [];
  const providerToolCalls: ToolCall[] = [];
  const root = strict ? strictObject(body, 'the response') : asObject(body);
  if (strict && !absent(root?.content) && !Array.isArray(root?.content)) refuseUnreadable('content is not an array');
  for (const raw of asArray(root?.content)) {
    const block = strict ? strictObject(raw, 'a content block') : asObject(raw);
    const type = block?.type;
    if (strict && (typeof type !== 'string' || !ANTHROPIC_BLOCK_TYPES.has(type))) refuseUnreadable('a content block of an unknown type');
    const providerKind = typeof type === 'string' && Object.hasOwn(ANTHROPIC_PROVIDER_CALL_BLOCKS, type) ? ANTHROPIC_PROVIDER_CALL_BLOCKS[type] : undefined;
    if (block === undefined || (type !== ANTHROPIC_CALL_BLOCK && providerKind === undefined)) continue;
    let params: Record<string, unknown>;
    if (strict) params = strictObject(block.input ?? {}, 'a tool_use input');
    else params = asObject(block.input) ?? (typeof block.input === 'string' ? parseToolArguments(block.input) : {});
    const id = strict ? (optionalString(block.id, 'a tool_use id') ?? '') : String(block.id ?? '');
    const name = strict ? (optionalString(block.name, 'a tool_use name') ?? '') : String(block.name ?? '');
    if (providerKind !== undefined) providerToolCalls.push({ id, kind: providerKind, name, params, index: providerToolCalls.length, executor: 'provider' });
    else toolCalls.push({ id, kind: 'function', name, params, index: toolCalls.length });
  }
  return { toolCalls, providerToolCalls };
}

/** Tool calls (`tool_use` blocks) of a Messages response body, in order. */
export function anthropicToolCalls(body: unknown): ToolCall[] {
  return readAnthropicCalls(body).toolCalls;
}

/** The text block that takes a stripped call's place. */
export function anthropicNoteBlock(stripped: StrippedCall): { type: 'text'; text: string } {
  return { type: 'text', text: strippedCallNote(stripped.call.name, stripped.message) };
}

/**
 * Removes stripped calls (matched by their position among the `tool_use` blocks, as
 * {@link anthropicToolCalls} numbers them) from a Messages response body: each stripped block is
 * replaced in place by a text block with the note (block positions do not move), and
 * `stop_reason` becomes `end_turn` when no `tool_use` block is left.
 */
export function stripAnthropicToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown {
  const byIndex = new Map(stripped.map((s) => [s.call.index, s]));
  const copy = structuredClone(body) as Record<string, unknown>;
  if (!Array.isArray(copy.content)) return copy;
  let left = 0;
  let position = 0;
  copy.content = copy.content.map((raw: unknown) => {
    const block = asObject(raw);
    if (block?.type !== ANTHROPIC_CALL_BLOCK) return raw;
    const s = byIndex.get(position++);
    if (s === undefined) {
      left++;
      return raw;
    }
    return anthropicNoteBlock(s);
  });
  if (left === 0 && copy.stop_reason === ANTHROPIC_TOOL_STOP) copy.stop_reason = ANTHROPIC_STOP_AFTER_STRIP;
  return copy;
}
