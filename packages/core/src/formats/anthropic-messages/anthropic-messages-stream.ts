import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asObject } from '../content-text.js';
import { parseToolArguments } from '../tool-arguments.js';
import type { ToolCall } from '../../types/tool-call.js';
import { ANTHROPIC_CALL_BLOCK, ANTHROPIC_STOP_AFTER_STRIP, ANTHROPIC_TOOL_STOP, anthropicNoteBlock, anthropicUsage } from './anthropic-messages-response.js';

interface BlockState {
  readonly index: number;
  readonly block: Record<string, unknown>;
  /** Concatenated `input_json_delta` fragments (tool-like blocks). */
  json: string;
  /** The tool call this block is (`tool_use` only). */
  readonly call?: CallState;
}

interface CallState {
  readonly key: string;
  readonly order: number;
  readonly block: BlockState;
  completed: boolean;
}

const UNORDERED: StreamEventInfo = { ordered: false };
const ORDERED: StreamEventInfo = { ordered: true };

/** Block types whose input arrives as `input_json_delta` fragments. */
const JSON_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

// A text or thinking delta, told without parsing. Inside a JSON string a quote is always escaped,
// so these match keys and values of the event itself, never text it carries.
const BLOCK_DELTA = /"type"\s*:\s*"content_block_delta"/;
const TEXT_DELTA = /"type"\s*:\s*"(?:text|thinking)_delta"/;
const EVENT_INDEX = /"index"\s*:\s*(\d+)/;

/**
 * Reassembles an Anthropic Messages stream into the non-streaming `message` body: blocks keyed
 * by the event `index`, text/thinking/signature/citation deltas appended, tool input
 * concatenated from `input_json_delta` fragments and parsed at `content_block_stop` (an empty
 * concatenation is `{}`), `message_delta` merged (stop reason, usage counters overwrite when
 * present, `context_management`). A `tool_use` block is a tool call keyed by its index and
 * complete at its `content_block_stop`. Every event except `ping` is ordered: Anthropic's SDKs
 * address blocks by position, so nothing may overtake a held block.
 */
export class AnthropicMessagesStreamAssembler implements StreamAssembler {
  readonly #blocks = new Map<number, BlockState>();
  readonly #calls: CallState[] = [];
  #message: Record<string, unknown> | undefined;
  #usage: Record<string, unknown> = {};
  #error: unknown;
  readonly #body: boolean;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#body = options.body !== false;
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return UNORDERED;
    // Without a body to build, a text or thinking delta changes nothing push reports: answer for
    // its block without parsing it (most events of a long answer).
    if (!this.#body) {
      const text = this.#textDelta(event.data);
      if (text !== undefined) return text;
    }
    const data = asObject(sseJson(event));
    const type = typeof data?.type === 'string' ? data.type : event.event;
    if (data === undefined) return type === 'ping' ? UNORDERED : ORDERED;
    switch (type) {
      case 'ping':
        return UNORDERED;
      case 'message_start': {
        const message = asObject(data.message) ?? {};
        this.#message = { ...message };
        this.#usage = { ...asObject(message.usage) };
        return ORDERED;
      }
      case 'content_block_start':
        return this.#start(data);
      case 'content_block_delta':
        return this.#delta(data);
      case 'content_block_stop': {
        const state = this.#blocks.get(indexOf(data));
        if (state?.call === undefined) return ORDERED;
        return { calls: [state.call.key], completes: state.call.completed ? undefined : [this.#complete(state.call)], ordered: true };
      }
      case 'message_delta': {
        const message = (this.#message ??= {});
        const { type: _t, delta, usage, ...rest } = data;
        Object.assign(message, rest, asObject(delta));
        for (const [k, v] of Object.entries(asObject(usage) ?? {})) if (v !== null && v !== undefined) this.#usage[k] = v;
        return ORDERED;
      }
      case 'message_stop':
        return { ordered: true, completes: this.#completeAll() };
      case 'error':
        this.#error = data.error ?? data;
        return ORDERED;
      default:
        return ORDERED;
    }
  }

  /** @inheritdoc */
  end(): CompletedCall[] {
    return this.#completeAll();
  }

  /** @inheritdoc */
  result(): AssembledResponse {
    const calls = this.#calls.map((c) => this.#toolCall(c));
    const usage = anthropicUsage(this.#usage);
    if (this.#message === undefined) {
      return { body: this.#error === undefined ? {} : { type: 'error', error: this.#error }, toolCalls: calls, usage };
    }
    const content = [...this.#blocks.values()].sort((a, b) => a.index - b.index).map((b) => finalBlock(b));
    const body = { ...this.#message, content, usage: { ...this.#usage } };
    return { body, toolCalls: calls, usage };
  }

  /** @inheritdoc */
  rewrite(event: SseEvent, stripped: ReadonlyMap<string, StrippedCall>): SseEvent[] {
    const data = asObject(sseJson(event));
    if (data === undefined) return [event];
    const type = data.type;
    if (type === 'content_block_start' || type === 'content_block_delta') {
      const index = indexOf(data);
      const s = stripped.get(String(index));
      if (s === undefined) return [event];
      if (type === 'content_block_delta') return [];
      const note = anthropicNoteBlock(s);
      return [
        createSseEvent(JSON.stringify({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }), 'content_block_start'),
        createSseEvent(JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: note.text } }), 'content_block_delta'),
      ];
    }
    if (type === 'message_delta') {
      const delta = asObject(data.delta);
      if (delta?.stop_reason !== ANTHROPIC_TOOL_STOP || !this.#calls.every((c) => stripped.has(c.key))) return [event];
      return [createSseEvent(JSON.stringify({ ...data, delta: { ...delta, stop_reason: ANTHROPIC_STOP_AFTER_STRIP } }), 'message_delta')];
    }
    return [event];
  }

  #start(data: Record<string, unknown>): StreamEventInfo {
    const index = indexOf(data);
    const block = { ...asObject(data.content_block) };
    const state: { index: number; block: Record<string, unknown>; json: string; call?: CallState } = { index, block, json: '' };
    this.#blocks.set(index, state);
    if (block.type !== ANTHROPIC_CALL_BLOCK) return ORDERED;
    const call: CallState = { key: String(index), order: this.#calls.length, block: state, completed: false };
    state.call = call;
    this.#calls.push(call);
    return { calls: [call.key], ordered: true };
  }

  /** What {@link push} reports for a text or thinking delta, or `undefined` when `data` is not one. */
  #textDelta(data: string): StreamEventInfo | undefined {
    if (!BLOCK_DELTA.test(data) || !TEXT_DELTA.test(data)) return undefined;
    const index = EVENT_INDEX.exec(data);
    if (index === null) return undefined;
    const call = this.#blocks.get(Number(index[1]))?.call;
    return call === undefined ? ORDERED : { calls: [call.key], ordered: true };
  }

  #delta(data: Record<string, unknown>): StreamEventInfo {
    const state = this.#blocks.get(indexOf(data));
    const delta = asObject(data.delta);
    if (state === undefined || delta === undefined) return ORDERED;
    const block = state.block;
    switch (delta.type) {
      case 'text_delta':
        block.text = `${typeof block.text === 'string' ? block.text : ''}${String(delta.text ?? '')}`;
        break;
      case 'thinking_delta':
        block.thinking = `${typeof block.thinking === 'string' ? block.thinking : ''}${String(delta.thinking ?? '')}`;
        break;
      case 'signature_delta':
        block.signature = `${typeof block.signature === 'string' ? block.signature : ''}${String(delta.signature ?? '')}`;
        break;
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        break;
      case 'input_json_delta':
        state.json += String(delta.partial_json ?? '');
        break;
      default:
        break;
    }
    return state.call === undefined ? ORDERED : { calls: [state.call.key], ordered: true };
  }

  #complete(call: CallState): CompletedCall {
    call.completed = true;
    return { key: call.key, call: this.#toolCall(call) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  #toolCall(call: CallState): ToolCall {
    const b = call.block.block;
    return { id: String(b.id ?? ''), name: String(b.name ?? ''), params: blockInput(call.block), index: call.order };
  }
}

function indexOf(data: Record<string, unknown>): number {
  return typeof data.index === 'number' ? data.index : 0;
}

/** The input of a tool-like block: the parsed fragments, else the input given at its start. */
function blockInput(state: BlockState): Record<string, unknown> {
  if (state.json.trim() !== '') return parseToolArguments(state.json);
  return asObject(state.block.input) ?? {};
}

function finalBlock(state: BlockState): Record<string, unknown> {
  if (!JSON_INPUT_BLOCKS.has(String(state.block.type))) return state.block;
  return { ...state.block, input: blockInput(state) };
}
