import type { RememberedStrip, StrippedCallStore } from '../../pipeline/stripped-call-store.js';
import type { JsonObject } from '../../types/json.js';
import type { StoredFollowUps, StrippedCall } from '../format-adapter.js';
import { asArray, asObject } from '../content-text.js';
import { strippedCallNote } from '../tool-arguments.js';
import { isResponsesCallItem, noteItemId } from './openai-responses-response.js';

/** Key of a conversation in the store (response ids and conversation ids never collide with the prefix). */
function conversationKey(id: string): string {
  return `conversation:${id}`;
}

function conversationOf(body: JsonObject): string | undefined {
  const c = typeof body.conversation === 'string' ? body.conversation : asObject(body.conversation)?.id;
  return typeof c === 'string' && c !== '' ? c : undefined;
}

/** The input item that answers a stripped call of `kind`: the denial note as its output. */
function answerFor(strip: RememberedStrip): Record<string, unknown> | undefined {
  switch (strip.kind) {
    case 'function':
      return { type: 'function_call_output', call_id: strip.callId, output: strip.note };
    case 'custom':
      return { type: 'custom_tool_call_output', call_id: strip.callId, output: strip.note };
    case 'apply_patch':
      return { type: 'apply_patch_call_output', call_id: strip.callId, status: 'failed', output: strip.note };
    case 'shell':
      return { type: 'shell_call_output', call_id: strip.callId, output: [{ stdout: '', stderr: strip.note, outcome: { type: 'exit', exit_code: 1 } }] };
    case 'local_shell':
      return { type: 'local_shell_call_output', id: strip.callId, output: strip.note };
    case 'mcp_approval':
      return strip.itemId === undefined ? undefined : { type: 'mcp_approval_response', approval_request_id: strip.itemId, approve: false, reason: strip.note };
    default:
      return undefined;
  }
}

/** True when `input` already answers the call (the client answered it after all). */
function answered(input: readonly unknown[], strip: RememberedStrip): boolean {
  return input.some((raw) => {
    const item = asObject(raw);
    return item !== undefined && (item.call_id === strip.callId || (strip.itemId !== undefined && item.approval_request_id === strip.itemId));
  });
}

/**
 * Follow-up turns after a strip, for the Responses API. The provider stores a response (unless
 * the request said `store: false`) with the call items it sent, while the client got a note
 * message instead of each stripped call. The next turn would then fail at the provider: a
 * `previous_response_id` (or conversation) leaves the stripped call without an output, and an
 * `item_reference` names the note item, which the provider never saw. So the gateway remembers the
 * stripped calls per stored response and conversation, and completes such a request: an output
 * carrying the denial note for each stripped call the input does not answer, and each reference to
 * a note item replaced by an assistant message with the note.
 */
export const openAiResponsesFollowUps: StoredFollowUps = {
  storedKeys(request, response) {
    if (request.store === false) return [];
    const keys: string[] = [];
    const id = asObject(response)?.id;
    if (typeof id === 'string' && id !== '') keys.push(id);
    const conversation = conversationOf(request);
    if (conversation !== undefined) keys.push(conversationKey(conversation));
    return keys;
  },

  remember(stripped: readonly StrippedCall[], response: unknown): RememberedStrip[] {
    const items = asArray(asObject(response)?.output)
      .map((raw) => asObject(raw))
      .filter((item): item is Record<string, unknown> => isResponsesCallItem(item));
    return stripped.map((s): RememberedStrip => {
      const item = items[s.call.index];
      const itemId = typeof item?.id === 'string' ? item.id : undefined;
      return { callId: s.call.id, itemId, kind: s.call.kind, name: s.call.name, note: strippedCallNote(s.call.name, s.message), noteItemId: item === undefined ? undefined : noteItemId(item, s.call.index) };
    });
  },

  completeRequest(body: JsonObject, store: StrippedCallStore): JsonObject | undefined {
    const strips: RememberedStrip[] = [];
    const previous = body.previous_response_id;
    if (typeof previous === 'string') strips.push(...(store.recall(previous) ?? []));
    const conversation = conversationOf(body);
    if (conversation !== undefined) {
      strips.push(...(store.recall(conversationKey(conversation)) ?? []));
      // A conversation keeps the answers once they were sent: supply them once.
      store.forget(conversationKey(conversation));
    }
    const original = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input);
    let changed = false;
    const input = original.map((raw) => {
      const item = asObject(raw);
      if (item?.type !== 'item_reference' || typeof item.id !== 'string') return raw;
      const strip = store.byNoteItem(item.id);
      if (strip === undefined) return raw;
      changed = true;
      return { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: strip.note, annotations: [] }] };
    });
    const answers = strips.filter((s) => !answered(input, s)).map(answerFor).filter((a): a is Record<string, unknown> => a !== undefined);
    if (answers.length === 0 && !changed) return undefined;
    return { ...body, input: [...answers, ...input] as JsonObject['input'] };
  },
};
