import { refuseUnreadable } from './unreadable-response.js';

/**
 * Parses a tool call's argument text into params: `""` (a call with no arguments) is `{}`; a
 * JSON object is itself; any other JSON value is `{ value }`; unparseable text (a stream cut
 * off mid-arguments) is kept as `{ _raw: text }` so that policy still sees it.
 */
export function parseToolArguments(text: string | undefined | null): Record<string, unknown> {
  if (text === undefined || text === null || text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    return { value };
  } catch {
    return { _raw: text };
  }
}

/**
 * Parses a tool call's argument text as the gate must (see `StreamAssemblerOptions.strict`):
 * empty or blank text is `{}`, a JSON object is itself (escapes decoded, the last of duplicate
 * keys wins, as `JSON.parse` and the clients read it); anything else (text cut off, not JSON, a
 * JSON value other than an object) is refused with `UnreadableResponseError`, since no policy
 * can be sure what a client would make of it.
 */
export function strictToolArguments(text: string, what = 'tool call arguments'): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    refuseUnreadable(`${what} are not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) refuseUnreadable(`${what} are not a JSON object`);
  return value as Record<string, unknown>;
}

/** The note that replaces a stripped tool call, for the model's reader. */
export function strippedCallNote(name: string, message: string): string {
  return `[tollgate] tool call "${name}" was removed: ${message}`;
}
