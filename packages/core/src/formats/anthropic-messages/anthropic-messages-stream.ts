import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asObject } from '../content-text.js';
import { parseToolArguments, strictToolArguments } from '../tool-arguments.js';
import type { ToolCall, ToolCallKind } from '../../types/tool-call.js';
import { absent, optionalString, refuseUnreadable, strictIndex, strictObject } from '../unreadable-response.js';
import { ANTHROPIC_BLOCK_TYPES, ANTHROPIC_CALL_BLOCK, ANTHROPIC_PROVIDER_CALL_BLOCKS, ANTHROPIC_STOP_AFTER_STRIP, ANTHROPIC_TOOL_STOP, anthropicNoteBlock, anthropicUsage } from './anthropic-messages-response.js';

interface BlockState {
  readonly index: number;
  readonly block: Record<string, unknown>;
  /** Concatenated `input_json_delta` fragments (tool-like blocks). */
  json: string;
  /** True once an `input_json_delta` arrived (the SDK then reads the input from the fragments only). */
  sawJson: boolean;
  /** True once its `content_block_stop` arrived. */
  stopped: boolean;
  /** The tool call this block is (`tool_use` only). */
  readonly call?: CallState;
  /** The provider-run call this block is (`server_tool_use`, `mcp_tool_use`). */
  readonly providerKind?: ToolCallKind;
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

/**
 * A text or thinking delta, told without parsing: the whole event must have exactly Anthropic's
 * shape (anchored, so no duplicate key, no key spelled with escapes and no other field can hide
 * in it); anything else is parsed. No client can read such an event as carrying a tool call.
 */
const TEXT_DELTA_EVENT = /^\{"type":"content_block_delta","index":(\d{1,9}),"delta":\{"type":"(?:text_delta","text|thinking_delta","thinking)":"(?:[^"\\]|\\.)*"\}\}$/;

/** Event types of a Messages stream. */
const EVENT_TYPES = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);

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
  readonly #providerCalls: BlockState[] = [];
  #error: unknown;
  readonly #body: boolean;
  readonly #strict: boolean;
  /** Strict reading: `message_start` seen, `message_stop` seen. */
  #started = false;
  #stopped = false;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#body = options.body !== false;
    this.#strict = options.strict === true;
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return UNORDERED;
    // Without a body to build, a text or thinking delta changes nothing push reports: answer for
    // its block without parsing it (most events of a long answer).
    if (!this.#body) {
      const text = this.#textDelta(event);
      if (text !== undefined) return text;
    }
    const parsed = sseJson(event);
    if (this.#strict) this.#checkEvent(event, parsed);
    const data = asObject(parsed);
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
        if (state !== undefined) state.stopped = true;
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

  /**
   * Strict reading of one event, as every client reads it: JSON data of a known type, named by
   * its `event:` field (the `@anthropic-ai/sdk` skips events without one and dispatches on the
   * data's `type`, other clients on the data alone); nothing but pings before `message_start` or
   * after `message_stop` (the SDK ignores what comes before, other clients read it); one
   * `message_start`, without content (the SDK starts its message from it); blocks started in
   * order at the next index (the SDK appends blocks whatever their index, then addresses deltas
   * by index), deltas and stops only for a started, open block, and string JSON fragments.
   */
  #checkEvent(event: SseEvent, parsed: unknown): void {
    const data = strictObject(parsed, 'an event');
    const type = data.type;
    if (typeof type !== 'string' || !EVENT_TYPES.has(type)) refuseUnreadable('an event of an unknown type');
    if (event.event !== type) refuseUnreadable('an event whose name differs from its type');
    if (type === 'ping' || type === 'error') return;
    if (type === 'message_start') {
      if (this.#started) refuseUnreadable('a second message_start');
      this.#started = true;
      const message = strictObject(data.message, 'the message_start message');
      if (!absent(message.content) && !(Array.isArray(message.content) && message.content.length === 0)) refuseUnreadable('a message_start with content');
      return;
    }
    if (!this.#started) refuseUnreadable(`${type} before message_start`);
    if (this.#stopped) refuseUnreadable(`${type} after message_stop`);
    if (type === 'message_stop') this.#stopped = true;
    if (type === 'content_block_start') {
      const index = strictIndex(data.index, 'a block index');
      if (index !== this.#blocks.size) refuseUnreadable('a block started out of order');
      const block = strictObject(data.content_block, 'a content block');
      if (typeof block.type !== 'string' || !ANTHROPIC_BLOCK_TYPES.has(block.type)) refuseUnreadable('a content block of an unknown type');
      if (block.type === ANTHROPIC_CALL_BLOCK || Object.hasOwn(ANTHROPIC_PROVIDER_CALL_BLOCKS, block.type)) {
        optionalString(block.id, 'a tool_use id');
        optionalString(block.name, 'a tool_use name');
        if (!absent(block.input)) strictObject(block.input, 'a tool_use input');
      }
      return;
    }
    if (type === 'content_block_delta' || type === 'content_block_stop') {
      const state = this.#blocks.get(strictIndex(data.index, 'a block index'));
      if (state === undefined) refuseUnreadable(`${type} for a block that was not started`);
      if (state.stopped) refuseUnreadable(`${type} for a block that was stopped`);
      if (type === 'content_block_delta') {
        const delta = strictObject(data.delta, 'a block delta');
        if (delta.type === 'input_json_delta' && typeof delta.partial_json !== 'string') refuseUnreadable('an input_json_delta without a string');
      }
    }
  }

  /** @inheritdoc */
  result(): AssembledResponse {
    const calls = this.#calls.map((c) => this.#toolCall(c));
    const usage = anthropicUsage(this.#usage);
    const providerToolCalls = this.#providerCalls.map((b, i): ToolCall => ({ id: String(b.block.id ?? ''), kind: b.providerKind ?? 'server_tool', name: String(b.block.name ?? ''), params: blockInput(b, false), index: i, executor: 'provider' }));
    const extra = providerToolCalls.length > 0 ? { providerToolCalls } : {};
    if (this.#message === undefined) {
      return { body: this.#error === undefined ? {} : { type: 'error', error: this.#error }, toolCalls: calls, usage, ...extra };
    }
    const content = [...this.#blocks.values()].sort((a, b) => a.index - b.index).map((b) => finalBlock(b));
    const body = { ...this.#message, content, usage: { ...this.#usage } };
    return { body, toolCalls: calls, usage, ...extra };
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
    const providerKind = typeof block.type === 'string' && Object.hasOwn(ANTHROPIC_PROVIDER_CALL_BLOCKS, block.type) ? ANTHROPIC_PROVIDER_CALL_BLOCKS[block.type] : undefined;
    const state: { index: number; block: Record<string, unknown>; json: string; sawJson: boolean; stopped: boolean; call?: CallState; providerKind?: ToolCallKind } = { index, block, json: '', sawJson: false, stopped: false, providerKind };
    this.#blocks.set(index, state);
    if (providerKind !== undefined) this.#providerCalls.push(state);
    if (block.type !== ANTHROPIC_CALL_BLOCK) return ORDERED;
    const call: CallState = { key: String(index), order: this.#calls.length, block: state, completed: false };
    state.call = call;
    this.#calls.push(call);
    return { calls: [call.key], ordered: true };
  }

  /** What {@link push} reports for a text or thinking delta, or `undefined` when the event is not one. */
  #textDelta(event: SseEvent): StreamEventInfo | undefined {
    if (event.event !== 'content_block_delta') return undefined;
    const index = TEXT_DELTA_EVENT.exec(event.data);
    if (index === null) return undefined;
    const state = this.#blocks.get(Number(index[1]));
    // Strict reading parses what it must check: a delta for a block not started or stopped.
    if (this.#strict && (state === undefined || state.stopped || this.#stopped)) return undefined;
    const call = state?.call;
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
        state.sawJson = true;
        break;
      default:
        break;
    }
    return state.call === undefined ? ORDERED : { calls: [state.call.key], ordered: true };
  }

  #complete(call: CallState): CompletedCall {
    call.completed = true;
    return { key: call.key, call: this.#toolCall(call, this.#strict) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  /** The call as core reads it; `strict` (when it is handed to `onToolCall`) refuses input it cannot parse. */
  #toolCall(call: CallState, strict = false): ToolCall {
    const b = call.block.block;
    return { id: String(b.id ?? ''), kind: 'function', name: String(b.name ?? ''), params: blockInput(call.block, strict), index: call.order };
  }
}

function indexOf(data: Record<string, unknown>): number {
  return typeof data.index === 'number' ? data.index : 0;
}

/**
 * The input of a tool-like block as the `@anthropic-ai/sdk` reads it: once an `input_json_delta`
 * arrived, the concatenated fragments (`{}` when empty), else the input given at its start.
 * Strict reading refuses fragments that do not make a complete JSON object: the SDK's
 * partial-JSON reader would complete them in ways no policy can be sure of.
 */
function blockInput(state: BlockState, strict: boolean): Record<string, unknown> {
  if (strict) return state.sawJson ? strictToolArguments(state.json, 'tool_use input fragments') : (asObject(state.block.input) ?? {});
  if (state.json.trim() !== '') return parseToolArguments(state.json);
  return asObject(state.block.input) ?? {};
}

function finalBlock(state: BlockState): Record<string, unknown> {
  if (!JSON_INPUT_BLOCKS.has(String(state.block.type))) return state.block;
  return { ...state.block, input: blockInput(state, false) };
}
