import type { ToolCallKind } from '../types/tool-call.js';

/** A tool call a strip removed from a response the provider stores, as a follow-up turn needs it. */
export interface RememberedStrip {
  /** The call's id as the provider knows it (`call_id` in the Responses API). */
  readonly callId: string;
  /** The provider's id of the call item (`fc_…`), when it has one. */
  readonly itemId?: string;
  /** The call's kind (which output item answers it). */
  readonly kind: ToolCallKind;
  /** The call's name. */
  readonly name: string;
  /** The note the client got in its place (`[tollgate] tool call "x" was removed: …`). */
  readonly note: string;
  /** The id of the item the gateway invented to carry the note, when it made one. */
  readonly noteItemId?: string;
}

/**
 * Where the gateway remembers the calls it stripped from responses a provider stores, so that a
 * follow-up turn that refers to such a response (`previous_response_id`, a conversation, an
 * `item_reference` to an item the gateway invented) can be completed for the provider: it knows
 * the call it sent, the client never saw it. One per gateway, kept across reloads. The built-in
 * one is in memory and bounded ({@link MemoryStrippedCallStore}); a store plugin may back it.
 */
export interface StrippedCallStore {
  /** Remembers the calls stripped from the stored response (or conversation) `key`. */
  remember(key: string, strips: readonly RememberedStrip[]): void;
  /** The calls stripped from `key`, if any are remembered. */
  recall(key: string): readonly RememberedStrip[] | undefined;
  /** Forgets `key` (a conversation once its follow-up carried the answers). */
  forget(key: string): void;
  /** The strip whose note item the gateway invented with id `itemId`, if remembered. */
  byNoteItem(itemId: string): RememberedStrip | undefined;
  /** True when nothing is remembered (the request path then skips looking). */
  readonly empty: boolean;
}

/** Default number of responses a {@link MemoryStrippedCallStore} remembers. */
export const DEFAULT_STRIPPED_CALL_MEMORY = 10_000;

/**
 * A {@link StrippedCallStore} in memory, bounded: it remembers the `limit` most recently
 * remembered responses and forgets the oldest beyond that (a `Map` keeps insertion order).
 */
export class MemoryStrippedCallStore implements StrippedCallStore {
  readonly #limit: number;
  readonly #byKey = new Map<string, readonly RememberedStrip[]>();
  readonly #byNote = new Map<string, RememberedStrip>();

  constructor(limit = DEFAULT_STRIPPED_CALL_MEMORY) {
    this.#limit = Math.max(1, limit);
  }

  /** @inheritdoc */
  remember(key: string, strips: readonly RememberedStrip[]): void {
    if (strips.length === 0) return;
    this.forget(key);
    this.#byKey.set(key, strips);
    for (const s of strips) if (s.noteItemId !== undefined) this.#byNote.set(s.noteItemId, s);
    while (this.#byKey.size > this.#limit) {
      const oldest = this.#byKey.keys().next().value as string;
      this.forget(oldest);
    }
  }

  /** @inheritdoc */
  recall(key: string): readonly RememberedStrip[] | undefined {
    return this.#byKey.get(key);
  }

  /** @inheritdoc */
  forget(key: string): void {
    const strips = this.#byKey.get(key);
    if (strips === undefined) return;
    this.#byKey.delete(key);
    for (const s of strips) if (s.noteItemId !== undefined && this.#byNote.get(s.noteItemId) === s) this.#byNote.delete(s.noteItemId);
  }

  /** @inheritdoc */
  byNoteItem(itemId: string): RememberedStrip | undefined {
    return this.#byNote.get(itemId);
  }

  /** @inheritdoc */
  get empty(): boolean {
    return this.#byKey.size === 0;
  }
}
