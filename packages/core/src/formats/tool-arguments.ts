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

/** The note that replaces a stripped tool call, for the model's reader. */
export function strippedCallNote(name: string, message: string): string {
  return `[tollgate] tool call "${name}" was removed: ${message}`;
}
