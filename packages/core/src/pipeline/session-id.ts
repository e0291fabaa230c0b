import { hash } from 'node:crypto';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { JsonObject } from '../types/json.js';

/** Request headers that carry a client session id (Codex sends `session_id`). */
export const SESSION_HEADERS = ['x-session-id', 'session_id', 'session-id'] as const;

/**
 * The session id of a request, in order: a session header, the format's hint (Claude Code's
 * `metadata.user_id` session part), else a stable fingerprint of the caller and the
 * conversation's opening (`fp_` + 24 hex digits), identical for every turn of a conversation.
 */
export function sessionIdOf(format: FormatAdapter, body: JsonObject, headers: Readonly<Record<string, string | string[] | undefined>>, login: string): string {
  for (const name of SESSION_HEADERS) {
    const v = headers[name];
    const value = (Array.isArray(v) ? v[0] : v)?.trim();
    if (value) return value.slice(0, 200);
  }
  const hint = format.sessionHint(body, headers);
  if (hint) return hint.slice(0, 200);
  const seed = format.conversationSeed(body);
  return `fp_${hash('sha256', `${login}\u0000${seed}`, 'hex').slice(0, 24)}`;
}
