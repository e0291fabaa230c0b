import type { AssembledResponse, CompletedCall, StreamAssembler, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asArray, asObject } from '../content-text.js';
import { strippedCallNote } from '../tool-arguments.js';
import type { ToolCall } from '../../types/tool-call.js';
import { isResponsesCallItem, noteItemId, noteMessageItem, notePart, openAiResponsesUsage, replaceStrippedItems, responsesToolCall } from './openai-responses-response.js';

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

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return UNORDERED;
    const data = asObject(sseJson(event));
    if (data === undefined) return ORDERED;
    const type = typeof data.type === 'string' ? data.type : (event.event ?? '');
    if (RESPONSE_EVENTS.has(type)) {
      const response = asObject(data.response);
      if (response !== undefined) this.#response = response;
      if (!FINAL_EVENTS.has(type)) return ORDERED;
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
    return { body, toolCalls, usage: openAiResponsesUsage(this.#response.usage) };
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
    return { key: call.key, call: this.#toolCall(call) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  #toolCall(call: CallState): ToolCall {
    return responsesToolCall(call.state.item, call.order);
  }
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
