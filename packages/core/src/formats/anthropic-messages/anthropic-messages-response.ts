import type { StrippedCall } from '../format-adapter.js';
import { asArray, asObject, num } from '../content-text.js';
import { parseToolArguments, strippedCallNote } from '../tool-arguments.js';
import { type ToolCall, type Usage, emptyUsage } from '../../types/tool-call.js';

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

/** Tool calls (`tool_use` blocks) of a Messages response body, in order. */
export function anthropicToolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const raw of asArray(asObject(body)?.content)) {
    const block = asObject(raw);
    if (block?.type !== ANTHROPIC_CALL_BLOCK) continue;
    const input = asObject(block.input);
    const params = input ?? (typeof block.input === 'string' ? parseToolArguments(block.input) : {});
    calls.push({ id: String(block.id ?? ''), name: String(block.name ?? ''), params, index: calls.length });
  }
  return calls;
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
