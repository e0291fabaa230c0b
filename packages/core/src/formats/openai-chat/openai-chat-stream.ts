import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asArray, asObject } from '../content-text.js';
import { parseToolArguments, strippedCallNote } from '../tool-arguments.js';
import type { ToolCall } from '../../types/tool-call.js';
import { openAiChatUsage } from './openai-chat-response.js';

interface CallState {
  readonly key: string;
  readonly choice: number;
  readonly index: number;
  readonly order: number;
  id: string;
  type: string;
  name: string;
  args: string;
  completed: boolean;
}

interface ChoiceState {
  role: string;
  content: string;
  reasoning: string;
  refusal: string;
  hasContent: boolean;
  hasReasoning: boolean;
  hasRefusal: boolean;
  finishReason: unknown;
  readonly calls: Map<number, CallState>;
}

const EMPTY: StreamEventInfo = { ordered: false };
const ORDERED: StreamEventInfo = { ordered: true };

/**
 * A field that, with any value but `null`, means a chunk carries more than text. Inside a JSON
 * string a quote is always escaped, so `"name"` followed by a colon is a key, never text.
 */
const MORE_THAN_TEXT = /"(?:tool_calls|function_call|refusal|error|usage|finish_reason)"\s*:\s*(?!null\b)/;

/**
 * True when a chunk's data can only carry text deltas (content, reasoning): a JSON object whose
 * tool call, refusal, error, usage and `finish_reason` fields, if any, are all null. One regular
 * expression scan (four times cheaper than a substring search per word); anything unusual is
 * parsed.
 */
function onlyText(data: string): boolean {
  return data.charCodeAt(0) === 0x7b && data.charCodeAt(data.length - 1) === 0x7d && !MORE_THAN_TEXT.test(data);
}

/**
 * Reassembles an OpenAI Chat Completions stream: content, reasoning, refusal and tool calls
 * keyed by `(choice index, tool call index)`, with arguments concatenated across deltas; usage
 * from whichever chunk carries it (OpenAI's trailing `choices: []` chunk or Groq/DeepSeek's
 * finish chunk). A call is complete when another call of its choice starts, its choice
 * finishes, or the stream ends.
 */
export class OpenAiChatStreamAssembler implements StreamAssembler {
  readonly #choices = new Map<number, ChoiceState>();
  readonly #calls: CallState[] = [];
  readonly #body: boolean;
  #base: Record<string, unknown> = {};
  #usage: unknown;
  #sawChunk = false;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#body = options.body !== false;
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return EMPTY;
    if (event.data === '[DONE]') return { ordered: true, completes: this.#completeAll() };
    // Without a body to build, a text-only chunk changes nothing push reports (parsed, it would
    // return EMPTY too): skip its JSON.parse, most of a long stream's cost.
    if (!this.#body && this.#sawChunk && onlyText(event.data)) return EMPTY;
    this.#sawChunk = true;
    const chunk = asObject(sseJson(event));
    if (chunk === undefined || chunk.error !== undefined) return ORDERED;
    if (this.#base.id === undefined) {
      const { choices: _c, usage: _u, obfuscation: _o, ...rest } = chunk;
      this.#base = rest;
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.#usage = chunk.usage;
    const choices = asArray(chunk.choices);
    if (choices.length === 0) return ORDERED;
    let calls: string[] | undefined;
    let completes: CompletedCall[] | undefined;
    let ordered = false;
    for (const raw of choices) {
      const c = asObject(raw);
      if (c === undefined) continue;
      const ci = typeof c.index === 'number' ? c.index : 0;
      const choice = this.#choice(ci);
      const delta = asObject(c.delta) ?? {};
      if (typeof delta.role === 'string') choice.role = delta.role;
      if (typeof delta.content === 'string') {
        choice.content += delta.content;
        choice.hasContent = true;
      }
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string') {
        choice.reasoning += reasoning;
        choice.hasReasoning = true;
      }
      if (typeof delta.refusal === 'string') {
        choice.refusal += delta.refusal;
        choice.hasRefusal = true;
      }
      const toolDeltas = asArray(delta.tool_calls);
      toolDeltas.forEach((rawTc, pos) => {
        const tc = asObject(rawTc);
        if (tc === undefined) return;
        const index = typeof tc.index === 'number' ? tc.index : pos;
        let call = choice.calls.get(index);
        if (call === undefined) {
          for (const other of choice.calls.values()) {
            if (!other.completed) (completes ??= []).push(this.#complete(other));
          }
          call = { key: `${ci}:${index}`, choice: ci, index, order: this.#calls.length, id: '', type: 'function', name: '', args: '', completed: false };
          choice.calls.set(index, call);
          this.#calls.push(call);
        }
        if (typeof tc.id === 'string' && tc.id.length > 0) call.id = tc.id;
        if (typeof tc.type === 'string') call.type = tc.type;
        const fn = asObject(tc.function);
        if (typeof fn?.name === 'string') call.name += fn.name;
        if (typeof fn?.arguments === 'string') call.args += fn.arguments;
        (calls ??= []).push(call.key);
      });
      const legacy = asObject(delta.function_call);
      if (legacy !== undefined) {
        let call = choice.calls.get(-1);
        if (call === undefined) {
          call = { key: `${ci}:fc`, choice: ci, index: -1, order: this.#calls.length, id: `function_call_${this.#calls.length}`, type: 'function_call', name: '', args: '', completed: false };
          choice.calls.set(-1, call);
          this.#calls.push(call);
        }
        if (typeof legacy.name === 'string') call.name += legacy.name;
        if (typeof legacy.arguments === 'string') call.args += legacy.arguments;
        (calls ??= []).push(call.key);
      }
      if (c.finish_reason !== undefined && c.finish_reason !== null) {
        choice.finishReason = c.finish_reason;
        ordered = true;
        for (const call of choice.calls.values()) {
          if (!call.completed) (completes ??= []).push(this.#complete(call));
        }
      }
    }
    if (calls === undefined && completes === undefined && !ordered) return EMPTY;
    return { calls, completes, ordered: ordered || calls !== undefined };
  }

  /** @inheritdoc */
  end(): CompletedCall[] {
    return this.#completeAll();
  }

  /** @inheritdoc */
  result(): AssembledResponse {
    const choices = [...this.#choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => {
        const message: Record<string, unknown> = { role: c.role || 'assistant', content: c.hasContent ? c.content : null };
        if (c.hasReasoning) message.reasoning_content = c.reasoning;
        if (c.hasRefusal) message.refusal = c.refusal;
        const calls = [...c.calls.values()].filter((k) => k.index >= 0).sort((a, b) => a.index - b.index);
        if (calls.length > 0) message.tool_calls = calls.map((k) => ({ id: k.id, type: k.type, function: { name: k.name, arguments: k.args } }));
        const legacy = c.calls.get(-1);
        if (legacy !== undefined) message.function_call = { name: legacy.name, arguments: legacy.args };
        return { index, message, logprobs: null, finish_reason: c.finishReason ?? null };
      });
    const body: Record<string, unknown> = { ...this.#base, object: 'chat.completion', choices };
    if (this.#usage !== undefined) body.usage = this.#usage;
    return { body, toolCalls: this.#calls.map((c) => this.#toolCall(c)), usage: openAiChatUsage(this.#usage) };
  }

  /** @inheritdoc */
  rewrite(event: SseEvent, stripped: ReadonlyMap<string, StrippedCall>): SseEvent[] {
    if (!event.hasData || event.data === '[DONE]') return [event];
    const chunk = asObject(sseJson(event));
    if (chunk === undefined) return [event];
    let changed = false;
    const choices = asArray(chunk.choices).map((raw) => {
      const c = asObject(raw);
      if (c === undefined) return raw;
      const ci = typeof c.index === 'number' ? c.index : 0;
      const choice = this.#choices.get(ci);
      const delta = asObject(c.delta);
      const strippedHere = choice === undefined ? [] : [...choice.calls.values()].filter((k) => stripped.has(k.key));
      if (strippedHere.length === 0) return raw;
      const out: Record<string, unknown> = { ...c };
      if (delta !== undefined) {
        const newDelta: Record<string, unknown> = { ...delta };
        const notes: string[] = [];
        if (delta.tool_calls !== undefined) {
          const kept: unknown[] = [];
          asArray(delta.tool_calls).forEach((rawTc, pos) => {
            const tc = asObject(rawTc) ?? {};
            const index = typeof tc.index === 'number' ? tc.index : pos;
            const s = stripped.get(`${ci}:${index}`);
            if (s !== undefined) {
              if (typeof asObject(tc.function)?.name === 'string' || typeof tc.id === 'string') notes.push(strippedCallNote(s.call.name, s.message));
              return;
            }
            const shift = strippedHere.filter((k) => k.index >= 0 && k.index < index).length;
            kept.push(shift === 0 ? tc : { ...tc, index: index - shift });
          });
          if (kept.length > 0) newDelta.tool_calls = kept;
          else delete newDelta.tool_calls;
        }
        if (delta.function_call !== undefined && stripped.has(`${ci}:fc`)) {
          const s = stripped.get(`${ci}:fc`) as StrippedCall;
          if (typeof asObject(delta.function_call)?.name === 'string') notes.push(strippedCallNote(s.call.name, s.message));
          delete newDelta.function_call;
        }
        if (notes.length > 0) newDelta.content = `${typeof newDelta.content === 'string' ? newDelta.content : ''}${notes.join('\n')}\n`;
        out.delta = newDelta;
      }
      if ((c.finish_reason === 'tool_calls' || c.finish_reason === 'function_call') && choice !== undefined && [...choice.calls.values()].every((k) => stripped.has(k.key))) {
        out.finish_reason = 'stop';
      }
      changed = true;
      return out;
    });
    if (!changed) return [event];
    const emptied = choices.every((raw) => {
      const c = asObject(raw);
      const d = asObject(c?.delta);
      return c !== undefined && (c.finish_reason === undefined || c.finish_reason === null) && (d === undefined || Object.keys(d).length === 0);
    });
    if (emptied && (chunk.usage === undefined || chunk.usage === null)) return [];
    return [createSseEvent(JSON.stringify({ ...chunk, choices }), event.event)];
  }

  #choice(index: number): ChoiceState {
    let c = this.#choices.get(index);
    if (c === undefined) {
      c = { role: '', content: '', reasoning: '', refusal: '', hasContent: false, hasReasoning: false, hasRefusal: false, finishReason: undefined, calls: new Map() };
      this.#choices.set(index, c);
    }
    return c;
  }

  #complete(call: CallState): CompletedCall {
    call.completed = true;
    return { key: call.key, call: this.#toolCall(call) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  #toolCall(call: CallState): ToolCall {
    return { id: call.id, name: call.name, params: parseToolArguments(call.args), index: call.order };
  }
}
