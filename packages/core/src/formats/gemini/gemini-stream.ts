import type { AssembledResponse, CompletedCall, StreamAssembler, StreamAssemblerOptions, StreamEventInfo, StrippedCall } from '../format-adapter.js';
import { refuseUnreadable, strictObject } from '../unreadable-response.js';
import { type SseEvent, createSseEvent, sseJson } from '../../sse/sse-event.js';
import { asObject } from '../content-text.js';
import { GeminiChunkRewriter, geminiUsage } from './gemini-response.js';
import { type GeminiCallState, type GeminiPartRef, GeminiReassembler } from './gemini-reassembler.js';

const UNORDERED: StreamEventInfo = { ordered: false };

/**
 * A data event as `@google/genai` and WHATWG readers read it alike: one `data:` line ended by a
 * blank line that the SDK also takes for one (it splits at the first `\n\n`, `\r\r` or
 * `\r\n\r\n`, trims, and parses everything after `data:`, other lines included, as JSON).
 */
const ONE_DATA_LINE = /^data:[^\r\n]*(?:\n\n|\r\r\n?|\r\n\n|\r\n\r\n)$/;

/**
 * Reassembles a Gemini `:streamGenerateContent?alt=sse` stream (see {@link GeminiReassembler}).
 * A chunk that carries part of a call is held until the call is decided; a chunk with only
 * text flows past a pending call (each Gemini chunk is a complete response, so order between
 * chunks does not break a client); chunks that finish a candidate are ordered.
 */
export class GeminiStreamAssembler implements StreamAssembler {
  readonly #r: GeminiReassembler;
  readonly #rewriter = new GeminiChunkRewriter();
  readonly #refs = new WeakMap<SseEvent, readonly GeminiPartRef[]>();
  readonly #strict: boolean;

  constructor(options: StreamAssemblerOptions = {}) {
    this.#strict = options.strict === true;
    this.#r = new GeminiReassembler({ strict: this.#strict });
  }

  /** @inheritdoc */
  push(event: SseEvent): StreamEventInfo {
    if (!event.hasData) return UNORDERED;
    if (this.#strict && !ONE_DATA_LINE.test(event.raw)) refuseUnreadable('an event other than one data line');
    const parsed = sseJson(event);
    if (this.#strict) strictObject(parsed, 'an event');
    const chunk = asObject(parsed);
    if (chunk === undefined) return { ordered: true };
    const info = this.#r.push(chunk);
    if (info.refs.length > 0) this.#refs.set(event, info.refs);
    const calls = [...new Set(info.refs.map((r) => r.key))];
    const completes = info.completed.length > 0 ? info.completed.map((c) => this.#completed(c)) : undefined;
    if (calls.length === 0 && completes === undefined && !info.final) return UNORDERED;
    return { calls: calls.length > 0 ? calls : undefined, completes, ordered: true };
  }

  /** @inheritdoc */
  end(): CompletedCall[] {
    return this.#r.end().map((c) => this.#completed(c));
  }

  /** @inheritdoc */
  result(): AssembledResponse {
    const executed = this.#r.providerToolCalls;
    return { body: this.#r.body(), toolCalls: this.#r.calls.map((c) => this.#r.toolCall(c)), usage: geminiUsage(this.#r.usageMetadata), ...(executed.length > 0 ? { providerToolCalls: [...executed] } : {}) };
  }

  /** @inheritdoc */
  rewrite(event: SseEvent, stripped: ReadonlyMap<string, StrippedCall>): SseEvent[] {
    const refs = this.#refs.get(event);
    const chunk = asObject(sseJson(event));
    if (refs === undefined || chunk === undefined) return [event];
    const out = this.#rewriter.rewrite(chunk, refs, (k) => stripped.get(k));
    if (out === undefined) return [];
    return out === chunk ? [event] : [createSseEvent(JSON.stringify(out), event.event)];
  }

  #completed(call: GeminiCallState): CompletedCall {
    return { key: call.key, call: this.#r.toolCall(call) };
  }
}
