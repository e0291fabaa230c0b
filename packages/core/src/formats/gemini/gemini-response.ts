import type { ReadResponseOptions, ResponseInfo, StrippedCall } from '../format-adapter.js';
import { strictObject } from '../unreadable-response.js';
import { asArray, asObject, num } from '../content-text.js';
import { strippedCallNote } from '../tool-arguments.js';
import { type Usage, emptyUsage } from '../../types/tool-call.js';
import { type GeminiPartRef, GeminiReassembler } from './gemini-reassembler.js';

/**
 * Normalises Gemini `usageMetadata`: input is the prompt (which includes cached content) plus
 * tool-use prompt tokens, output is candidates plus thoughts, reasoning is thoughts.
 */
export function geminiUsage(raw: unknown): Usage {
  const u = asObject(raw);
  const usage = emptyUsage();
  if (u === undefined) return usage;
  usage.inputTokens = num(u.promptTokenCount) + num(u.toolUsePromptTokenCount);
  usage.reasoningTokens = num(u.thoughtsTokenCount);
  usage.outputTokens = num(u.candidatesTokenCount) + usage.reasoningTokens;
  usage.cachedTokens = num(u.cachedContentTokenCount);
  usage.totalTokens = num(u.totalTokenCount) || usage.inputTokens + usage.outputTokens;
  return usage;
}

/** The chunks of a Gemini body: a `:streamGenerateContent` JSON array, or one response. */
export function geminiChunks(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : [body];
  return list.map((c) => asObject(c)).filter((c): c is Record<string, unknown> => c !== undefined);
}

/** Reassembles a complete Gemini body (object or JSON array) and returns the reassembler (strictly: see `ReadResponseOptions`). */
export function reassembleGemini(body: unknown, options: ReadResponseOptions = {}): GeminiReassembler {
  const r = new GeminiReassembler({ strict: options.strict });
  if (options.strict === true) {
    if (Array.isArray(body)) for (const chunk of body) strictObject(chunk, 'a chunk');
    else strictObject(body, 'the response');
  }
  for (const chunk of geminiChunks(body)) r.push(chunk);
  r.end();
  return r;
}

/**
 * Tool calls and usage of a complete Gemini body. A `:streamGenerateContent` JSON array is
 * also reassembled into one response (`body`), its chunks kept as `rawResponses`.
 */
export function readGeminiResponse(body: unknown, options: ReadResponseOptions = {}): ResponseInfo {
  const r = reassembleGemini(body, options);
  const info = { toolCalls: r.calls.map((c) => r.toolCall(c)), usage: geminiUsage(r.usageMetadata), ...(r.providerToolCalls.length > 0 ? { providerToolCalls: [...r.providerToolCalls] } : {}) };
  return Array.isArray(body) ? { ...info, body: r.body(), rawResponses: body } : info;
}

/**
 * Rewrites chunks once calls are stripped. A stripped call's naming part becomes a text part
 * with the note (keeping its `thoughtSignature` unchanged); its other parts (streamed
 * arguments, keep-alives, the closing part) are dropped. Gemini 3 requires the first function
 * call of a step to carry the step's thought signature, so a signature displaced by a strip
 * is also copied to the next kept call of that candidate when it has none.
 */
export class GeminiChunkRewriter {
  readonly #displaced = new Map<number, unknown>();

  /**
   * The chunk without the stripped calls, or `undefined` when nothing is left to send (every
   * candidate emptied, nothing finished).
   */
  rewrite(chunk: Record<string, unknown>, refs: readonly GeminiPartRef[], stripped: (key: string) => StrippedCall | undefined): Record<string, unknown> | undefined {
    if (refs.length === 0) return chunk;
    const byPart = new Map(refs.map((r) => [`${r.candidate}:${r.part}`, r]));
    let changed = false;
    let meaningful = chunk.usageMetadata !== undefined && asObject(chunk.usageMetadata)?.totalTokenCount !== undefined;
    const candidates = asArray(chunk.candidates).map((raw, position) => {
      const c = asObject(raw);
      const content = asObject(c?.content);
      if (c === undefined || content === undefined) return raw;
      const candidateIndex = typeof c.index === 'number' ? c.index : position;
      const parts: unknown[] = [];
      asArray(content.parts).forEach((rawPart, partIndex) => {
        const ref = byPart.get(`${position}:${partIndex}`);
        const part = asObject(rawPart);
        const s = ref === undefined ? undefined : stripped(ref.key);
        if (ref === undefined || part === undefined) {
          parts.push(rawPart);
          return;
        }
        if (s === undefined) {
          const carried = this.#displaced.get(candidateIndex);
          if (ref.head && carried !== undefined && part.thoughtSignature === undefined) {
            parts.push({ ...part, thoughtSignature: carried });
            this.#displaced.delete(candidateIndex);
            changed = true;
          } else parts.push(rawPart);
          return;
        }
        changed = true;
        if (!ref.head) return;
        const note: Record<string, unknown> = { text: strippedCallNote(s.call.name, s.message) };
        if (part.thoughtSignature !== undefined) {
          note.thoughtSignature = part.thoughtSignature;
          this.#displaced.set(candidateIndex, part.thoughtSignature);
        }
        parts.push(note);
      });
      if (parts.length > 0 || (c.finishReason !== undefined && c.finishReason !== null)) meaningful = true;
      return { ...c, content: { ...content, parts } };
    });
    if (!changed) return chunk;
    if (!meaningful && chunk.promptFeedback === undefined) return undefined;
    return { ...chunk, candidates };
  }
}

/**
 * Removes stripped calls (matched by position among the response's calls) from a complete
 * Gemini body, object or `:streamGenerateContent` JSON array (see {@link GeminiChunkRewriter}).
 * Gemini's `finishReason` is `STOP` with or without calls, so there is none to correct.
 */
export function stripGeminiToolCalls(body: unknown, stripped: readonly StrippedCall[]): unknown {
  const byKey = new Map(stripped.map((s) => [String(s.call.index), s]));
  const r = new GeminiReassembler();
  const rewriter = new GeminiChunkRewriter();
  const rewrite = (chunk: Record<string, unknown>): Record<string, unknown> | undefined => rewriter.rewrite(chunk, r.push(chunk).refs, (k) => byKey.get(k));
  if (!Array.isArray(body)) {
    const chunk = asObject(body);
    if (chunk === undefined) return body;
    return rewrite(chunk) ?? { ...chunk, candidates: asArray(chunk.candidates).map((c) => ({ ...asObject(c), content: { ...asObject(asObject(c)?.content), parts: [] } })) };
  }
  const out: unknown[] = [];
  for (const raw of body) {
    const chunk = asObject(raw);
    if (chunk === undefined) {
      out.push(raw);
      continue;
    }
    const rewritten = rewrite(chunk);
    if (rewritten !== undefined) out.push(rewritten);
  }
  return out;
}
