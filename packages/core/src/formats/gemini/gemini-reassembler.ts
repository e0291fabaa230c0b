import { createHash } from 'node:crypto';
import { asArray, asObject } from '../content-text.js';
import { absent, optionalString, refuseUnreadable, strictObject } from '../unreadable-response.js';
import type { ToolCall } from '../../types/tool-call.js';
import { applyPartialArgs } from './gemini-partial-args.js';

/** A tool call being assembled. */
export interface GeminiCallState {
  /** Key of the call for the stream gate (its position in the response, as a string). */
  readonly key: string;
  /** Position among the response's calls. */
  readonly order: number;
  /** The reassembled part (`{functionCall: {name, args}, thoughtSignature?}`), filled in place. */
  readonly part: Record<string, unknown>;
  /** Arguments so far. */
  readonly args: Record<string, unknown>;
  /** True once its arguments are complete. */
  completed: boolean;
}

/** Where one `functionCall` part of a chunk belongs. */
export interface GeminiPartRef {
  /** Position of the candidate in the chunk's `candidates`. */
  readonly candidate: number;
  /** Position of the part in that candidate's `content.parts`. */
  readonly part: number;
  /** Key of the call it belongs to. */
  readonly key: string;
  /** True for the part that names the call (a complete call, or the opening part of a streamed one). */
  readonly head: boolean;
}

/** What one chunk contained, for the stream gate and the rewriter. */
export interface GeminiChunkInfo {
  /** The chunk's `functionCall` parts. */
  readonly refs: readonly GeminiPartRef[];
  /** Calls whose arguments this chunk completed. */
  readonly completed: readonly GeminiCallState[];
  /** True when the chunk finishes a candidate, has no candidates (usage only, blocked prompt) or is an error. */
  readonly final: boolean;
}

interface CandidateState {
  readonly index: number;
  readonly indexed: boolean;
  role: string | undefined;
  readonly parts: Array<Record<string, unknown>>;
  readonly extra: Record<string, unknown>;
  open: GeminiCallState | undefined;
  /** The candidate's most recent call. */
  last: GeminiCallState | undefined;
}

/**
 * The id the gateway gives a Gemini tool call, which has none on the wire: the part's own
 * `functionCall.id` when present, else `call_<responseId>_<position>`; without a `responseId`,
 * a hash of the response's first chunk stands in for it. Deterministic, so the same response
 * always yields the same ids.
 */
export function geminiCallId(responseKey: string, order: number, explicit?: unknown): string {
  return typeof explicit === 'string' && explicit !== '' ? explicit : `call_${responseKey}_${order}`;
}

/**
 * Strict reading of a chunk: candidates, contents and parts where the clients look for them, and
 * every `functionCall` a named call with object `args` (clients run each such part as it is), or a
 * Vertex AI streamed-argument part; a call that both carries `args` and announces more to come
 * is refused, since clients disagree on what it means.
 */
function checkChunk(chunk: Record<string, unknown>): void {
  if (!absent(chunk.candidates) && !Array.isArray(chunk.candidates)) refuseUnreadable('candidates is not an array');
  for (const rawCandidate of asArray(chunk.candidates)) {
    const c = strictObject(rawCandidate, 'a candidate');
    if (absent(c.content)) continue;
    const content = strictObject(c.content, 'a candidate content');
    if (!absent(content.parts) && !Array.isArray(content.parts)) refuseUnreadable('parts is not an array');
    for (const rawPart of asArray(content.parts)) {
      const part = strictObject(rawPart, 'a part');
      if (absent(part.functionCall)) continue;
      const fc = strictObject(part.functionCall, 'a functionCall');
      optionalString(fc.name, 'a functionCall name');
      if (!absent(fc.args)) strictObject(fc.args, 'functionCall args');
      if (!absent(fc.partialArgs) && !Array.isArray(fc.partialArgs)) refuseUnreadable('functionCall partialArgs is not an array');
      const hasArgs = !absent(fc.args) && Object.keys(fc.args as object).length > 0;
      if (fc.willContinue === true && hasArgs) refuseUnreadable('a functionCall with arguments that announces more');
    }
  }
}

function sameKind(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return (a.thought === true) === (b.thought === true);
}

function isPlainText(part: Record<string, unknown>): boolean {
  return typeof part.text === 'string' && Object.keys(part).every((k) => k === 'text' || k === 'thought' || k === 'thoughtSignature');
}

/**
 * Reassembles Gemini `GenerateContentResponse` chunks (SSE `data:` objects, the elements of
 * a `:streamGenerateContent` JSON array, or one non-streaming body) into one response:
 * consecutive text parts of the same kind (thought or answer) are joined, a `thoughtSignature`
 * is kept unchanged on the part that carried it (an empty trailing text part's signature
 * joins the text before it), `usageMetadata` is cumulative so the last one wins, and function
 * calls are assembled: complete `functionCall {name, args}` parts (Gemini API), or Vertex AI
 * streamed arguments (`{name, willContinue}` opens, `partialArgs` fill, `{}` closes; a call
 * still open when its candidate finishes or the stream ends is closed then).
 */
export class GeminiReassembler {
  readonly #strict: boolean;
  readonly #candidates = new Map<number, CandidateState>();
  readonly #calls: GeminiCallState[] = [];
  readonly #executed: ToolCall[] = [];
  readonly #base: Record<string, unknown> = {};
  #usage: unknown;
  #responseKey: string | undefined;
  #error: unknown;

  /**
   * `strict`: refuse (throw `UnreadableResponseError`) shapes the gateway cannot read with
   * certainty (see `StreamAssemblerOptions.strict`).
   */
  constructor(options: { readonly strict?: boolean } = {}) {
    this.#strict = options.strict === true;
  }

  /** Feeds one chunk. */
  push(chunk: Record<string, unknown>): GeminiChunkInfo {
    if (this.#strict) checkChunk(chunk);
    if (this.#responseKey === undefined) {
      this.#responseKey = typeof chunk.responseId === 'string' && chunk.responseId !== '' ? chunk.responseId : createHash('sha256').update(JSON.stringify(chunk)).digest('hex').slice(0, 16);
    }
    const { candidates, usageMetadata, ...rest } = chunk;
    Object.assign(this.#base, rest);
    if (usageMetadata !== undefined && usageMetadata !== null) this.#usage = usageMetadata;
    if (chunk.error !== undefined) this.#error = chunk.error;
    const refs: GeminiPartRef[] = [];
    const completed: GeminiCallState[] = [];
    // A chunk without candidates (usage only, a blocked prompt, an error) closes the response.
    let final = chunk.error !== undefined || asArray(candidates).length === 0 || asObject(chunk.promptFeedback)?.blockReason !== undefined;
    asArray(candidates).forEach((rawCandidate, position) => {
      const c = asObject(rawCandidate);
      if (c === undefined) return;
      const state = this.#candidate(c, position);
      const { content, index: _i, ...extra } = c;
      Object.assign(state.extra, extra);
      const body = asObject(content);
      if (typeof body?.role === 'string') state.role = body.role;
      asArray(body?.parts).forEach((rawPart, partIndex) => {
        const part = asObject(rawPart);
        if (part === undefined) return;
        const fc = asObject(part.functionCall);
        if (fc !== undefined) this.#functionCall(state, part, fc, position, partIndex, refs, completed);
        else {
          const code = asObject(part.executableCode);
          if (code !== undefined) this.#executed.push({ id: `code_${this.#executed.length}`, kind: 'code_execution', name: 'code_execution', params: structuredClone(code), index: this.#executed.length, executor: 'provider' });
          this.#part(state, part);
        }
      });
      if (c.finishReason !== undefined && c.finishReason !== null) {
        final = true;
        if (state.open !== undefined) completed.push(this.#close(state));
      }
    });
    return { refs, completed, final };
  }

  /** Closes every call still open (the stream ended); returns them. */
  end(): GeminiCallState[] {
    const closed: GeminiCallState[] = [];
    for (const state of this.#candidates.values()) if (state.open !== undefined) closed.push(this.#close(state));
    return closed;
  }

  /** Every call, in order. */
  get calls(): readonly GeminiCallState[] {
    return this.#calls;
  }

  /** The normalised tool call of a call state. */
  toolCall(call: GeminiCallState): ToolCall {
    const fc = asObject(call.part.functionCall) ?? {};
    return { id: geminiCallId(this.#responseKey ?? 'gemini', call.order, fc.id), kind: 'function', name: String(fc.name ?? ''), params: structuredClone(call.args), index: call.order };
  }

  /** The reassembled response body. */
  body(): Record<string, unknown> {
    const candidates = [...this.#candidates.values()]
      .sort((a, b) => a.index - b.index)
      .map((s) => ({ content: { parts: s.parts, role: s.role ?? 'model' }, ...s.extra, ...(s.indexed ? { index: s.index } : {}) }));
    const body: Record<string, unknown> = { ...this.#base };
    if (candidates.length > 0 || this.#error === undefined) body.candidates = candidates;
    if (this.#usage !== undefined) body.usageMetadata = this.#usage;
    return body;
  }

  /** Code Google ran for the model (`executableCode` parts), as provider-run calls of kind `code_execution`. */
  get providerToolCalls(): readonly ToolCall[] {
    return this.#executed;
  }

  /** The last `usageMetadata` seen. */
  get usageMetadata(): unknown {
    return this.#usage;
  }

  #candidate(c: Record<string, unknown>, position: number): CandidateState {
    const indexed = typeof c.index === 'number';
    const index = indexed ? (c.index as number) : position;
    let state = this.#candidates.get(index);
    if (state === undefined) {
      state = { index, indexed, role: undefined, parts: [], extra: {}, open: undefined, last: undefined };
      this.#candidates.set(index, state);
    }
    return state;
  }

  #part(state: CandidateState, part: Record<string, unknown>): void {
    const last = state.parts.at(-1);
    if (isPlainText(part)) {
      if (last !== undefined && isPlainText(last) && sameKind(last, part) && last.thoughtSignature === undefined) {
        last.text = `${last.text as string}${part.text as string}`;
        if (part.thoughtSignature !== undefined) last.thoughtSignature = part.thoughtSignature;
        return;
      }
      if (part.text === '' && part.thoughtSignature === undefined) return;
    }
    state.parts.push(structuredClone(part));
  }

  #functionCall(state: CandidateState, part: Record<string, unknown>, fc: Record<string, unknown>, position: number, partIndex: number, refs: GeminiPartRef[], completed: GeminiCallState[]): void {
    const named = typeof fc.name === 'string' && fc.name !== '';
    const partial = Array.isArray(fc.partialArgs);
    const more = fc.willContinue === true;
    if (named) {
      if (state.open !== undefined) completed.push(this.#close(state));
      const { functionCall: _fc, ...partRest } = part;
      const { partialArgs: _p, willContinue: _w, args: rawArgs, ...fcRest } = fc;
      const args: Record<string, unknown> = structuredClone(asObject(rawArgs) ?? {});
      const call: GeminiCallState = { key: String(this.#calls.length), order: this.#calls.length, part: { ...structuredClone(partRest) }, args, completed: false };
      call.part.functionCall = { ...structuredClone(fcRest), args };
      this.#calls.push(call);
      state.last = call;
      state.parts.push(call.part);
      refs.push({ candidate: position, part: partIndex, key: call.key, head: true });
      if (partial) applyPartialArgs(args, fc.partialArgs as unknown[]);
      if (more) state.open = call;
      else {
        call.completed = true;
        completed.push(call);
      }
      return;
    }
    const open = state.open;
    if (open === undefined) {
      // A continuation with no call open (after `{}` closed it, or after a complete call): it
      // belongs to the candidate's last call, so that what it carries is never relayed unseen
      // (a changed call is then refused by the gateway's stream relay).
      const last = state.last;
      if (last === undefined) return;
      refs.push({ candidate: position, part: partIndex, key: last.key, head: false });
      if (partial) applyPartialArgs(last.args, fc.partialArgs as unknown[]);
      return;
    }
    refs.push({ candidate: position, part: partIndex, key: open.key, head: false });
    if (partial) applyPartialArgs(open.args, fc.partialArgs as unknown[]);
    if (part.thoughtSignature !== undefined && open.part.thoughtSignature === undefined) open.part.thoughtSignature = part.thoughtSignature;
    if (!more) completed.push(this.#close(state));
  }

  #close(state: CandidateState): GeminiCallState {
    const call = state.open as GeminiCallState;
    state.open = undefined;
    call.completed = true;
    return call;
  }
}
