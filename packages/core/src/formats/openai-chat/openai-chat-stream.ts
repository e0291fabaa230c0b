import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asArray, asObject } from '../content-text.js';
import { parseToolArguments, strictToolArguments, strippedCallNote } from '../tool-arguments.js';
import { absent, optionalString, refuseUnreadable, strictIndex, strictObject } from '../unreadable-response.js';
import type { ToolCall } from '../../types/tool-call.js';
import { openAiChatUsage } from './openai-chat-response.js';
import { JsonStringTemplate } from '../json-string-template.js';
import type { TextOnlySkipper } from '../text-only-skip.js';

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
  /** Notes written in place of stripped calls so far (to separate them as the non-streamed answer does). */
  notes: number;
}

const EMPTY: StreamEventInfo = { ordered: false };
const ORDERED: StreamEventInfo = { ordered: true };
const HIDDEN: StreamEventInfo = { ordered: true, hidden: true };

/**
 * A field that, with any value but `null`, means a chunk carries more than text (`message`: the
 * `openai` SDK copies unknown choice fields onto its snapshot, so a choice's `message` would
 * replace the message it assembles), or a `\u00XX` escape of an ASCII character, which could
 * spell one of those keys (`"tool\u005fcalls"`) where a text search does not see it. Inside a
 * JSON string a quote is always escaped, so `"name"` followed by a colon is a key, never text;
 * a duplicate key cannot hide either, since every occurrence is searched.
 */
const MORE_THAN_TEXT = /"(?:tool_calls|function_call|message|refusal|error|usage|finish_reason)"\s*:\s*(?!null\b)/;

/**
 * True when `data` has a `\u00XX` escape of an ASCII character (one that could spell a key).
 * A native substring search: such escapes are rare, and a second branch in the regular expression
 * above would cost every chunk a second try at every position.
 */
function hasAsciiEscape(data: string): boolean {
  for (let i = data.indexOf('\\u00'); i !== -1; i = data.indexOf('\\u00', i + 1)) {
    const c = data.charCodeAt(i + 4);
    if (c >= 0x30 && c <= 0x37) return true;
  }
  return false;
}

/** Most text-only chunk shapes learned per stream (a stream whose chunks keep changing shape stops paying for it). */
const LEARN_LIMIT = 16;

/** A non-empty `content` string in a chunk's text. */
const SOME_CONTENT = /"content"\s*:\s*"[^"]/;

/**
 * True when a chunk's data can only carry text deltas (content, reasoning): a JSON object whose
 * tool call, message, refusal, error, usage and `finish_reason` fields, if any, are all null,
 * and whose keys are all spelled without escapes. One regular expression scan (four times
 * cheaper than a substring search per word); anything unusual is parsed. No client can read
 * such a chunk as carrying a tool call, so the gate may skip parsing it.
 */
function onlyText(data: string): boolean {
  return data.charCodeAt(0) === 0x7b && data.charCodeAt(data.length - 1) === 0x7d && !MORE_THAN_TEXT.test(data) && !hasAsciiEscape(data);
}

/**
 * Reassembles an OpenAI Chat Completions stream: content, reasoning, refusal and tool calls
 * keyed by `(choice index, tool call index)`, with arguments concatenated across deltas; usage
 * from whichever chunk carries it (OpenAI's trailing `choices: []` chunk or Groq/DeepSeek's
 * finish chunk). A call is complete when another call of its choice starts, its choice
 * finishes, or the stream ends. With `hideUsage`, a chunk with usage and `choices: []` (the one
 * `include_usage` adds) is `hidden`; usage on a chunk with choices is left where it is, since the
 * client receives that chunk anyway.
 */
export class OpenAiChatStreamAssembler implements StreamAssembler, TextOnlySkipper {
  readonly #choices = new Map<number, ChoiceState>();
  readonly #calls: CallState[] = [];
  readonly #body: boolean;
  readonly #strict: boolean;
  readonly #hideUsage: boolean;
  #base: Record<string, unknown> = {};
  #usage: unknown;
  #sawChunk = false;
  /** True once a chunk skipped unparsed carried content text (for the separator of a strip note). */
  #sawContent = false;
  /** True once `[DONE]` arrived (strict reading refuses anything after it: clients disagree on it). */
  #done = false;
  /** Shape of the last text-only chunk read, for {@link skipText}; relearned at most LEARN_LIMIT times. */
  #shape: JsonStringTemplate | undefined;
  #learned = 0;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#body = options.body !== false;
    this.#strict = options.strict === true;
    this.#hideUsage = options.hideUsage === true;
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return EMPTY;
    // The `openai` SDK stops reading at `[DONE]` (any data starting with it); the AI SDK skips an
    // exact `[DONE]` and reads on. Strict reading accepts only the exact marker, and nothing after.
    if (this.#strict && this.#done) refuseUnreadable('an event after [DONE]');
    if (event.data === '[DONE]') {
      this.#done = true;
      return { ordered: true, completes: this.#completeAll() };
    }
    // Without a body to build, a text-only chunk changes nothing push reports (parsed, it would
    // return EMPTY too): skip its JSON.parse, most of a long stream's cost.
    if (!this.#body && this.#sawChunk && onlyText(event.data)) {
      if (!this.#sawContent && SOME_CONTENT.test(event.data)) this.#sawContent = true;
      if (this.#learned < LEARN_LIMIT) {
        this.#learned++;
        this.#shape = JsonStringTemplate.learn(event.data, 'content');
      }
      return EMPTY;
    }
    this.#sawChunk = true;
    const parsed = sseJson(event);
    if (this.#strict) strictObject(parsed, 'an event');
    const chunk = asObject(parsed);
    if (chunk === undefined || chunk.error !== undefined) return ORDERED;
    if (this.#base.id === undefined) {
      const { choices: _c, usage: _u, obfuscation: _o, ...rest } = chunk;
      this.#base = rest;
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.#usage = chunk.usage;
    if (this.#strict && !absent(chunk.choices) && !Array.isArray(chunk.choices)) refuseUnreadable('choices is not an array');
    const choices = asArray(chunk.choices);
    if (choices.length === 0) return this.#hideUsage && Array.isArray(chunk.choices) && chunk.usage !== undefined && chunk.usage !== null ? HIDDEN : ORDERED;
    let calls: string[] | undefined;
    let completes: CompletedCall[] | undefined;
    let ordered = false;
    for (const raw of choices) {
      const c = this.#strict ? strictObject(raw, 'a choice') : asObject(raw);
      if (c === undefined) continue;
      const ci = this.#strict ? strictIndex(c.index, 'a choice index') : typeof c.index === 'number' ? c.index : 0;
      // The `openai` SDK copies a choice's unknown fields onto its snapshot: a `message` there
      // would replace the message it assembles, tool calls included.
      if (this.#strict && c.message !== undefined) refuseUnreadable('a stream chunk with a choice message');
      const choice = this.#choice(ci);
      if (this.#strict && !absent(c.delta)) strictObject(c.delta, 'a delta');
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
      if (this.#strict) this.#checkToolDeltas(choice, delta);
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
        // As the `openai` SDK assembles it: a later name replaces the earlier one (strict reading
        // refuses a second name: the AI SDK keeps the first).
        if (typeof fn?.name === 'string' && fn.name.length > 0) call.name = fn.name;
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
        if (typeof legacy.name === 'string' && legacy.name.length > 0) call.name = legacy.name;
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

  /**
   * A chunk of the shape of the last text-only chunk (see {@link JsonStringTemplate}: `onlyText`
   * would accept it) once content was seen, without a body to build and before `[DONE]`: `push`
   * would answer EMPTY and change nothing.
   */
  skipText(text: string, start: number, end: number): boolean {
    return !this.#body && this.#sawContent && !this.#done && this.#shape !== undefined && this.#shape.matches(text, start, end, true);
  }

  /** @inheritdoc */
  end(): CompletedCall[] {
    return this.#completeAll();
  }

  /**
   * Strict reading of a delta's tool-call parts: only what every client assembles the same way.
   * A call is identified by its `index` (an integer; the `openai` SDK files a part without one
   * nowhere, the AI SDK guesses); its first part names it (a non-empty `function.name`, type
   * `function` if any); later parts carry only arguments (a second name is replaced by the
   * `openai` SDK and ignored by the AI SDK; another id is another call for the AI SDK); a part for
   * a call of a finished choice, or for an index whose call is complete, is a reused index.
   */
  #checkToolDeltas(choice: ChoiceState, delta: Record<string, unknown>): void {
    if (!absent(delta.tool_calls) && !Array.isArray(delta.tool_calls)) refuseUnreadable('tool_calls is not an array');
    const seen = new Set<number>();
    for (const rawTc of asArray(delta.tool_calls)) {
      const tc = strictObject(rawTc, 'a tool call delta');
      const index = strictIndex(tc.index, 'a tool call index');
      if (tc.custom !== undefined || (!absent(tc.type) && tc.type !== 'function')) refuseUnreadable('a streamed tool call of a kind other than function');
      const id = optionalString(tc.id, 'a tool call id');
      if (!absent(tc.function)) strictObject(tc.function, 'a tool call function');
      const fn = asObject(tc.function);
      const name = optionalString(fn?.name, 'a tool call name');
      const args = optionalString(fn?.arguments, 'tool call arguments');
      const call = choice.calls.get(index);
      if (call === undefined && !seen.has(index)) {
        if (choice.finishReason !== undefined) refuseUnreadable('a tool call after its choice finished');
        if (name === undefined || name === '') refuseUnreadable('a tool call whose first part has no name');
      } else {
        if (name !== undefined && name !== '') refuseUnreadable('a tool call name sent in several parts');
        if (id !== undefined && id !== '' && call !== undefined && id !== call.id) refuseUnreadable('a tool call index reused for another call');
        if (call?.completed === true && (args ?? '') !== '') refuseUnreadable('more arguments for a tool call that was complete');
      }
      seen.add(index);
    }
    if (!absent(delta.function_call)) {
      const legacy = strictObject(delta.function_call, 'a function call delta');
      const name = optionalString(legacy.name, 'a function call name');
      optionalString(legacy.arguments, 'function call arguments');
      const call = choice.calls.get(-1);
      if (call === undefined && (name === undefined || name === '')) refuseUnreadable('a function call whose first part has no name');
      if (call !== undefined && name !== undefined && name !== '') refuseUnreadable('a function call name sent in several parts');
    }
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
        if (notes.length > 0 && choice !== undefined) {
          // Separated as in the non-streamed answer: a blank line after the text, one note a line.
          const before = typeof newDelta.content === 'string' ? newDelta.content : '';
          const sep = choice.notes > 0 ? '\n' : choice.hasContent || this.#sawContent || before !== '' ? '\n\n' : '';
          newDelta.content = `${before}${sep}${notes.join('\n')}`;
          choice.notes += notes.length;
        }
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
      c = { role: '', content: '', reasoning: '', refusal: '', hasContent: false, hasReasoning: false, hasRefusal: false, finishReason: undefined, calls: new Map(), notes: 0 };
      this.#choices.set(index, c);
    }
    return c;
  }

  #complete(call: CallState): CompletedCall {
    call.completed = true;
    return { key: call.key, call: this.#toolCall(call, this.#strict) };
  }

  #completeAll(): CompletedCall[] {
    return this.#calls.filter((c) => !c.completed).map((c) => this.#complete(c));
  }

  /** The call as core reads it; `strict` (when it is handed to `onToolCall`) refuses arguments it cannot parse. */
  #toolCall(call: CallState, strict = false): ToolCall {
    const params = strict ? strictToolArguments(call.args) : parseToolArguments(call.args);
    return { id: call.id, kind: 'function', name: call.name, params, index: call.order };
  }
}
