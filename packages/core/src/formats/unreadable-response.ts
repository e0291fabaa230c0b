/**
 * Thrown by a format's strict reader (used whenever an `onToolCall` tap exists) for an upstream
 * answer it cannot read with certainty the way every client would: an event or body it cannot
 * parse, a tool call it cannot attribute, a shape it does not know. The gateway then ends the
 * response with the format's error instead of passing anything unread to the client.
 */
export class UnreadableResponseError extends Error {
  /** Why the answer was refused (for the log and the client's error message; never contains answer content). */
  readonly reason: string;

  constructor(reason: string) {
    super(`the provider's answer could not be read with certainty: ${reason}`);
    this.name = 'UnreadableResponseError';
    this.reason = reason;
  }
}

/** Throws an {@link UnreadableResponseError} for `reason`. */
export function refuseUnreadable(reason: string): never {
  throw new UnreadableResponseError(reason);
}

/** The JSON object an event or body must be in strict reading; refuses anything else. */
export function strictObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) refuseUnreadable(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** True for a value a client treats as absent (`undefined` or `null`). */
export function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** A field that must be absent or a string in strict reading. */
export function optionalString(value: unknown, what: string): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'string') refuseUnreadable(`${what} is not a string`);
  return value;
}

/** A field that must be a non-negative integer in strict reading. */
export function strictIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) refuseUnreadable(`${what} is not a non-negative integer`);
  return value;
}
