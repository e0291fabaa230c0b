import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, formatSseEvent, sseJson } from '../../sse/sse-event.js';
import { asArray, asObject } from '../content-text.js';
import { strippedCallNote } from '../tool-arguments.js';
import type { ApiError } from '../../types/api-error.js';
import type { ToolCall } from '../../types/tool-call.js';
import { OPENAI_ERROR_TYPES } from '../openai-chat/openai-chat-adapter.js';
import { absent, refuseUnreadable, strictIndex, strictObject } from '../unreadable-response.js';
import {
  checkResponsesItem,
  isResponsesCallItem,
  isResponsesProviderCallItem,
  noteItemId,
  noteMessageItem,
  notePart,
  openAiResponsesUsage,
  replaceStrippedItems,
  responsesToolCall,
} from './openai-responses-response.js';

interface ItemState {
  readonly index: number;
  item: Record<string, unknown>;
  call?: CallState;
}

interface CallState {
  readonly key: string;
  readonly order: number;
  readonly state: ItemState;
  completed: boolean;
}

const UNORDERED: StreamEventInfo = { ordered: false };
const ORDERED: StreamEventInfo = { ordered: true };

/** Events that carry a whole `response` snapshot. */
const RESPONSE_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued', 'response.completed', 'response.failed', 'response.incomplete']);

/** Events that end a response. */
const FINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Every event type of a Responses stream (the `openai` SDK's and the AI SDK's). */
const EVENT_TYPES = new Set([
  ...RESPONSE_EVENTS, 'response.output_item.added', 'response.output_item.done', 'response.content_part.added', 'response.content_part.done',
  'response.output_text.delta', 'response.output_text.done', 'response.output_text.annotation.added', 'response.refusal.delta', 'response.refusal.done',
  'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.reasoning_text.delta', 'response.reasoning_text.done',
  'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.done',
  'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done',
  'response.code_interpreter_call_code.delta', 'response.code_interpreter_call_code.done', 'response.code_interpreter_call.in_progress',
  'response.code_interpreter_call.interpreting', 'response.code_interpreter_call.completed', 'response.file_search_call.in_progress',
  'response.file_search_call.searching', 'response.file_search_call.completed', 'response.web_search_call.in_progress', 'response.web_search_call.searching',
  'response.web_search_call.completed', 'response.image_generation_call.in_progress', 'response.image_generation_call.generating',
  'response.image_generation_call.completed', 'response.image_generation_call.partial_image', 'response.mcp_call.in_progress', 'response.mcp_call.completed',
  'response.mcp_call.failed', 'response.mcp_list_tools.in_progress', 'response.mcp_list_tools.completed', 'response.mcp_list_tools.failed',
  'response.apply_patch_call_operation_diff.delta', 'response.apply_patch_call_operation_diff.done', 'response.audio.delta', 'response.audio.done',
  'response.audio.transcript.delta', 'response.audio.transcript.done', 'keepalive', 'error',
]);

/** Events that belong to no output item. */
const UNSCOPED_EVENTS = new Set([...RESPONSE_EVENTS, 'keepalive', 'error', 'response.audio.delta', 'response.audio.done', 'response.audio.transcript.delta', 'response.audio.transcript.done']);

/** Item events and the item type they apply to (the SDKs ignore them for other items; strict reading refuses that). */
const EVENT_ITEM_TYPES: Readonly<Record<string, string>> = {
  'response.function_call_arguments.delta': 'function_call',
  'response.function_call_arguments.done': 'function_call',
  'response.custom_tool_call_input.delta': 'custom_tool_call',
  'response.custom_tool_call_input.done': 'custom_tool_call',
  'response.apply_patch_call_operation_diff.delta': 'apply_patch_call',
  'response.apply_patch_call_operation_diff.done': 'apply_patch_call',
};

/** Argument/input events of call items (dropped when their call is stripped). */
const CALL_DELTA_EVENTS: Readonly<Record<string, { field: string; done: boolean }>> = {
  'response.function_call_arguments.delta': { field: 'arguments', done: false },
  'response.function_call_arguments.done': { field: 'arguments', done: true },
  'response.custom_tool_call_input.delta': { field: 'input', done: false },
  'response.custom_tool_call_input.done': { field: 'input', done: true },
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function idx(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/**
 * Reassembles an OpenAI Responses stream into the `response` object: the final snapshot
 * (`response.completed`/`failed`/`incomplete`) when it arrived with its `output` (it is the
 * non-streaming body; its opaque `encrypted_content` may differ from the item events'), else
 * the last snapshot with `output` rebuilt from the item events (`output_item.added`, content
 * parts, text/refusal/reasoning deltas, `output_item.done`), e.g. for a stream cut short. Call items (function, custom tool, local shell, shell,
 * apply_patch) are tool calls keyed by item id, complete at their `…arguments.done` /
 * `…input.done` or `output_item.done`. Every event is ordered: the SDKs look items up by
 * `output_index`, so nothing may overtake a held call item.
 */
export class OpenAiResponsesStreamAssembler implements StreamAssembler {
  readonly #items = new Map<number, ItemState>();
  readonly #byId = new Map<string, ItemState>();
  readonly #calls: CallState[] = [];
  #response: Record<string, unknown> | undefined;
  /** True once a final snapshot (`response.completed`/`failed`/`incomplete`) arrived. */
  #final = false;
  #error: unknown;
  /** Sequence numbers added (+) or removed (−) so far by rewriting. */
  #seqShift = 0;
  /** The last `sequence_number` written to the client, and how many events were written. */
  #writtenSeq: number | undefined;
  #written = 0;
  /** The last snapshot before the final one (`response.created`, `in_progress`, `queued`). */
  #partial: Record<string, unknown> | undefined;
  readonly #strict: boolean;
  /** Strict reading: items announced by `output_item.added`, in order. */
  #added = 0;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#strict = options.strict === true;
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return UNORDERED;
    const parsed = sseJson(event);
    if (this.#strict) this.#check(event, parsed);
    const data = asObject(parsed);
    if (data === undefined) return ORDERED;
    const type = typeof data.type === 'string' ? data.type : (event.event ?? '');
    if (RESPONSE_EVENTS.has(type)) {
      const response = asObject(data.response);
      if (response !== undefined) this.#response = response;
      if (!FINAL_EVENTS.has(type)) {
        this.#partial = response;
        return ORDERED;
      }
      this.#final = true;
      const calls = response === undefined ? [] : this.#snapshotCalls(asArray(response.output));
      return { calls: calls.length > 0 ? calls : undefined, completes: this.#completeAll(), ordered: true };
    }
    if (type === 'error') {
      this.#error = data.error ?? { code: data.code ?? null, message: data.message ?? '', param: data.param ?? null };
      return ORDERED;
    }
    if (type === 'response.output_item.added' || type === 'response.output_item.done') return this.#itemEvent(data, type === 'response.output_item.done');
    const state = this.#stateOf(data);
    if (state === undefined) return ORDERED;
    const callDelta = CALL_DELTA_EVENTS[type];
    if (callDelta !== undefined) {
      const item = state.item;
      if (callDelta.done) item[callDelta.field] = str(data[callDelta.field]);
      else item[callDelta.field] = str(item[callDelta.field]) + str(data.delta);
      if (state.call === undefined) return ORDERED;
      const completes = callDelta.done && !state.call.completed ? [this.#complete(state.call)] : undefined;
      return { calls: [state.call.key], completes, ordered: true };
    }
    applyContentEvent(state.item, type, data);
    return state.call === undefined ? ORDERED : { calls: [state.call.key], ordered: true };
  }

  /** @inheritdoc */
  end(): CompletedCall[] {
    return this.#completeAll();
  }

  /**
   * Strict reading of one event, as the `openai` SDK and the AI SDK both read it: JSON data of a
   * known type (named the same by its `event:` field, if any), starting with `response.created`,
   * nothing after the final snapshot. The SDK appends an added item whatever its `output_index`
   * and addresses every other event by `output_index` alone (the gateway also by `item_id`), so
   * items must be added at the next index, events must name an added item consistently, item
   * events must target an item of their type, and a done item must be the item that was added. A
   * snapshot before the final one replaces the SDK's whole output: it may hold no call and must
   * not move the items. The final snapshot is checked against the items in {@link #snapshotCalls}.
   */
  #check(event: SseEvent, parsed: unknown): void {
    const data = strictObject(parsed, 'an event');
    const type = data.type;
    if (typeof type !== 'string' || !EVENT_TYPES.has(type)) refuseUnreadable('an event of an unknown type');
    if (event.event !== undefined && event.event !== type) refuseUnreadable('an event whose name differs from its type');
    if (this.#final) refuseUnreadable('an event after the final response');
    if (this.#response === undefined && type !== 'response.created' && type !== 'error' && type !== 'keepalive') refuseUnreadable(`${type} before response.created`);
    if (RESPONSE_EVENTS.has(type)) {
      const response = strictObject(data.response, `the ${type} response`);
      if (!absent(response.output) && !Array.isArray(response.output)) refuseUnreadable('output is not an array');
      const output = asArray(response.output);
      for (const item of output) checkResponsesItem(item);
      if (!FINAL_EVENTS.has(type) && (output.length !== this.#added || output.some((i) => isResponsesCallItem(asObject(i)) || isResponsesProviderCallItem(asObject(i))))) {
        refuseUnreadable(`a ${type} snapshot whose output differs from the items streamed`);
      }
      return;
    }
    if (UNSCOPED_EVENTS.has(type)) return;
    const index = strictIndex(data.output_index, 'an output_index');
    if (type === 'response.output_item.added') {
      if (index !== this.#added) refuseUnreadable('an item added out of order');
      this.#added++;
      checkResponsesItem(data.item);
      return;
    }
    const state = this.#items.get(index);
    if (state === undefined || index >= this.#added) refuseUnreadable(`${type} for an item that was not added`);
    if (!absent(data.item_id) && typeof state.item.id === 'string' && data.item_id !== state.item.id) refuseUnreadable(`${type} whose item_id and output_index disagree`);
    if (type === 'response.output_item.done') {
      const item = checkResponsesItem(data.item);
      if (item.type !== state.item.type || (!absent(state.item.id) && item.id !== state.item.id) || (!absent(state.item.call_id) && item.call_id !== state.item.call_id)) {
        refuseUnreadable('a done item other than the item that was added');
      }
      if (isResponsesCallItem(item) && !absent(state.item.name) && item.name !== state.item.name) refuseUnreadable('a done call item with another name');
      return;
    }
    const target = EVENT_ITEM_TYPES[type];
    if (target !== undefined && state.item.type !== target) refuseUnreadable(`${type} for an item of another type`);
    const field = CALL_DELTA_EVENTS[type];
    if (field !== undefined && typeof data[field.done ? field.field : 'delta'] !== 'string') refuseUnreadable(`${type} without a string`);
  }

  /** @inheritdoc */
  wrote(event: SseEvent): void {
    const seq = asObject(sseJson(event))?.sequence_number;
    if (typeof seq === 'number') this.#writtenSeq = seq;
    this.#written++;
  }

  /** @inheritdoc */
  errorEvent(error: ApiError): string {
    const type = error.type ?? OPENAI_ERROR_TYPES[error.kind];
    const code = error.code ?? type;
    // Numbered on from what the client got (held events never reached it).
    const seq = this.#writtenSeq === undefined ? this.#written : this.#writtenSeq + 1;
    const errorEvent = { type: 'error', sequence_number: seq, code, message: error.message, param: null, error: { type, code, message: error.message, param: null } };
    // The response as last relayed (the snapshot before the final one: a final snapshot is never
    // followed by an error), failed: its id, model and settings are the real ones, and nothing the
    // gateway held back (a blocked or changed call, text queued behind it) appears in it.
    const response = { ...(this.#partial ?? { object: 'response', output: [] }), status: 'failed', error: { code, message: error.message }, incomplete_details: null };
    const failed = { type: 'response.failed', sequence_number: seq + 1, response };
    return formatSseEvent(JSON.stringify(errorEvent), 'error') + formatSseEvent(JSON.stringify(failed), 'response.failed');
  }

  /** @inheritdoc */
  result(): AssembledResponse {
    const toolCalls = this.#calls.map((c) => this.#toolCall(c));
    const built = [...this.#items.values()].sort((a, b) => a.index - b.index).map((s) => s.item);
    if (this.#response === undefined) {
      return { body: this.#error === undefined ? {} : { error: this.#error }, toolCalls, usage: openAiResponsesUsage(undefined) };
    }
    const final = asArray(this.#response.output);
    const output = this.#final && final.length > 0 ? final : built.length > 0 ? built : final;
    const body: Record<string, unknown> = { ...this.#response, output };
    if (this.#error !== undefined && (body.error === null || body.error === undefined)) body.error = this.#error;
    const providerToolCalls: ToolCall[] = [];
    for (const raw of output) {
      const item = asObject(raw);
      if (isResponsesProviderCallItem(item)) providerToolCalls.push(responsesToolCall(item, providerToolCalls.length));
    }
    const usage = openAiResponsesUsage(this.#response.usage);
    return providerToolCalls.length > 0 ? { body, toolCalls, usage, providerToolCalls } : { body, toolCalls, usage };
  }

  /** @inheritdoc */
  rewrite(event: SseEvent, stripped: ReadonlyMap<string, StrippedCall>): SseEvent[] {
    const data = asObject(sseJson(event));
    if (data === undefined) return [event];
    const out = this.#rewriteData(data, stripped);
    const seq = data.sequence_number;
    if (typeof seq !== 'number') return out === undefined ? [event] : out.map((d) => toEvent(d));
    if (out === undefined && this.#seqShift === 0) return [event];
    const list = out ?? [data];
    const shift = this.#seqShift;
    this.#seqShift += list.length - 1;
    return list.map((d, i) => toEvent({ ...d, sequence_number: seq + shift + i }));
  }

  /** The replacement payloads of one event, or `undefined` to keep it as it is. */
  #rewriteData(data: Record<string, unknown>, stripped: ReadonlyMap<string, StrippedCall>): Record<string, unknown>[] | undefined {
    const type = String(data.type ?? '');
    if (FINAL_EVENTS.has(type) || RESPONSE_EVENTS.has(type)) {
      const response = asObject(data.response);
      if (response === undefined || !Array.isArray(response.output) || response.output.length === 0) return undefined;
      const byIndex = new Map<number, StrippedCall>();
      for (const c of this.#calls) {
        const s = stripped.get(c.key);
        if (s !== undefined) byIndex.set(c.order, s);
      }
      if (byIndex.size === 0) return undefined;
      return [{ ...data, response: { ...response, output: replaceStrippedItems(response.output, byIndex) } }];
    }
    const state = type === 'response.output_item.added' || type === 'response.output_item.done' ? this.#items.get(idx(data.output_index)) : this.#stateOf(data);
    const call = state?.call;
    const s = call === undefined ? undefined : stripped.get(call.key);
    if (state === undefined || call === undefined || s === undefined) return undefined;
    const outputIndex = state.index;
    const id = noteItemId(state.item, call.order);
    const note = strippedCallNote(s.call.name, s.message);
    if (type === 'response.output_item.added') {
      return [
        { type: 'response.output_item.added', item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' }, output_index: outputIndex },
        { type: 'response.content_part.added', item_id: id, output_index: outputIndex, content_index: 0, part: notePart('') },
        { type: 'response.output_text.delta', item_id: id, output_index: outputIndex, content_index: 0, delta: note, logprobs: [] },
      ];
    }
    if (type === 'response.output_item.done') {
      return [
        { type: 'response.output_text.done', item_id: id, output_index: outputIndex, content_index: 0, text: note, logprobs: [] },
        { type: 'response.content_part.done', item_id: id, output_index: outputIndex, content_index: 0, part: notePart(note) },
        { type: 'response.output_item.done', item: noteMessageItem(id, s), output_index: outputIndex },
      ];
    }
    return [];
  }

  #itemEvent(data: Record<string, unknown>, done: boolean): StreamEventInfo {
    const item = asObject(data.item);
    if (item === undefined) return ORDERED;
    const index = idx(data.output_index);
    let state = this.#items.get(index);
    if (state === undefined || (!done && state.item.id !== item.id)) {
      state = { index, item: structuredClone(item) };
      this.#items.set(index, state);
    } else state.item = structuredClone(item);
    if (typeof item.id === 'string') this.#byId.set(item.id, state);
    if (!isResponsesCallItem(item)) return ORDERED;
    if (state.call === undefined) {
      state.call = { key: typeof item.id === 'string' && item.id !== '' ? item.id : `output:${index}`, order: this.#calls.length, state, completed: false };
      this.#calls.push(state.call);
    }
    const completes = done && !state.call.completed ? [this.#complete(state.call)] : undefined;
    return { calls: [state.call.key], completes, ordered: true };
  }

  /**
   * Takes the call items of a final snapshot as the calls' final form (SDKs hand that snapshot
   * out as the response): a call seen only there becomes a call too, a call whose snapshot
   * differs from its events is updated. Returns the keys of both, so that the gateway decides
   * them or notices the change.
   */
  #snapshotCalls(output: readonly unknown[]): string[] {
    if (this.#strict && this.#added > 0) {
      // The final snapshot is what the `openai` SDK hands out; the items are what the AI SDK (and
      // Codex) run: both must be the same calls, in the same places.
      if (output.length !== this.#added) refuseUnreadable('a final snapshot whose output differs from the items streamed');
      output.forEach((raw, index) => {
        const item = asObject(raw) as Record<string, unknown>;
        const known = this.#items.get(index);
        if (known === undefined || item.type !== known.item.type || item.id !== known.item.id) refuseUnreadable('a final snapshot whose output differs from the items streamed');
        if (known.call === undefined) return;
        if (!known.call.completed) refuseUnreadable('a final snapshot with a call that was not done');
        if (callText(responsesToolCall(item, known.call.order, true)) !== callText(this.#toolCall(known.call, true))) refuseUnreadable('a final snapshot whose call differs from its item');
      });
      return [];
    }
    const keys: string[] = [];
    output.forEach((raw, index) => {
      const item = asObject(raw);
      if (item === undefined || !isResponsesCallItem(item)) return;
      const known = typeof item.id === 'string' ? this.#byId.get(item.id) : this.#items.get(index);
      if (known?.call !== undefined) {
        const was = this.#toolCall(known.call);
        const now = responsesToolCall(item, known.call.order);
        if (now.name === was.name && JSON.stringify(now.params) === JSON.stringify(was.params)) return;
        known.item = structuredClone(item);
        keys.push(known.call.key);
        return;
      }
      const state: ItemState = known ?? { index, item: structuredClone(item) };
      if (known === undefined) {
        this.#items.set(index, state);
        if (typeof item.id === 'string') this.#byId.set(item.id, state);
      } else state.item = structuredClone(item);
      state.call = { key: typeof item.id === 'string' && item.id !== '' ? item.id : `output:${index}`, order: this.#calls.length, state, completed: false };
      this.#calls.push(state.call);
      keys.push(state.call.key);
    });
    return keys;
  }

  #stateOf(data: Record<string, unknown>): ItemState | undefined {
    if (typeof data.item_id === 'string') {
      const s = this.#byId.get(data.item_id);
      if (s !== undefined) return s;
    }
    return typeof data.output_index === 'number' ? this.#items.get(data.output_index) : undefined;
  }

  #complete(call: CallState): CompletedCall {
    call.completed = true;
    return { key: call.key, call: this.#toolCall(call, this.#strict) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  /** The call as core reads it; `strict` (when it is handed to `onToolCall`) refuses what it cannot read with certainty. */
  #toolCall(call: CallState, strict = false): ToolCall {
    return responsesToolCall(call.state.item, call.order, strict);
  }
}

/** The kind, name and params of a call as one string, to compare two readings. */
function callText(call: ToolCall): string {
  return JSON.stringify([call.kind, call.name, call.params]);
}

function toEvent(data: Record<string, unknown>): SseEvent {
  return createSseEvent(JSON.stringify(data), String(data.type));
}

/** Slot `i` of an array field of `holder`, created as `fallback` when missing. */
function slot(holder: Record<string, unknown>, field: string, i: number, fallback: () => Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(holder[field])) holder[field] = [];
  const list = holder[field] as unknown[];
  let value = asObject(list[i]);
  if (value === undefined) {
    value = fallback();
    list[i] = value;
  }
  return value;
}

/** Applies a content event (parts, text, refusal, reasoning summary) to its item. */
function applyContentEvent(item: Record<string, unknown>, type: string, data: Record<string, unknown>): void {
  const ci = idx(data.content_index);
  const si = idx(data.summary_index);
  switch (type) {
    case 'response.content_part.added':
    case 'response.content_part.done':
      if (!Array.isArray(item.content)) item.content = [];
      (item.content as unknown[])[ci] = structuredClone(data.part);
      break;
    case 'response.output_text.delta':
    case 'response.reasoning_text.delta': {
      const part = slot(item, 'content', ci, () => ({ type: type === 'response.output_text.delta' ? 'output_text' : 'reasoning_text', text: '' }));
      part.text = str(part.text) + str(data.delta);
      break;
    }
    case 'response.output_text.done':
    case 'response.reasoning_text.done':
      slot(item, 'content', ci, () => ({})).text = str(data.text);
      break;
    case 'response.output_text.annotation.added': {
      const part = slot(item, 'content', ci, () => ({ type: 'output_text', text: '' }));
      if (!Array.isArray(part.annotations)) part.annotations = [];
      (part.annotations as unknown[])[idx(data.annotation_index)] = structuredClone(data.annotation);
      break;
    }
    case 'response.refusal.delta': {
      const part = slot(item, 'content', ci, () => ({ type: 'refusal', refusal: '' }));
      part.refusal = str(part.refusal) + str(data.delta);
      break;
    }
    case 'response.refusal.done':
      slot(item, 'content', ci, () => ({ type: 'refusal' })).refusal = str(data.refusal);
      break;
    case 'response.reasoning_summary_part.added':
    case 'response.reasoning_summary_part.done':
      if (!Array.isArray(item.summary)) item.summary = [];
      (item.summary as unknown[])[si] = structuredClone(data.part);
      break;
    case 'response.reasoning_summary_text.delta': {
      const part = slot(item, 'summary', si, () => ({ type: 'summary_text', text: '' }));
      part.text = str(part.text) + str(data.delta);
      break;
    }
    case 'response.reasoning_summary_text.done':
      slot(item, 'summary', si, () => ({ type: 'summary_text' })).text = str(data.text);
      break;
    default:
      break;
  }
}
