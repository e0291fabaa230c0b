/** One server-sent event, as received. */
export interface SseEvent {
  /** The exact text of the event as received, including its terminating blank line. */
  readonly raw: string;
  /** The `event:` field, when present. */
  readonly event: string | undefined;
  /** The `data:` lines joined with `\n` (`""` when the event had none, e.g. a comment). */
  readonly data: string;
  /** True when the event had at least one `data:` line. */
  readonly hasData: boolean;
}

/** Formats an SSE frame: optional `event:` line, one `data:` line per line of `data`. */
export function formatSseEvent(data: string, event?: string): string {
  const head = event === undefined ? '' : `event: ${event}\n`;
  return `${head}data: ${data.split('\n').join('\ndata: ')}\n\n`;
}

/** Builds an {@link SseEvent} from data (and optional event name) in canonical framing. */
export function createSseEvent(data: string, event?: string): SseEvent {
  return { raw: formatSseEvent(data, event), event, data, hasData: true };
}

/**
 * Parses an event's `data` as JSON; `undefined` when it is not a JSON object or array
 * (`[DONE]`, comments, garbage). {@link sseJson} caches this per event.
 */
export function parseSseData(data: string): unknown {
  if (data.length === 0) return undefined;
  const first = data.charCodeAt(0);
  // Only '{' or '[' (after optional whitespace) can start a JSON object/array worth parsing.
  if (first !== 0x7b && first !== 0x5b && first !== 0x20 && first !== 0x0a) return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** Where {@link sseJson} keeps an event's parsed data: a non-enumerable slot on the event itself. */
const PARSED = Symbol('tollgate.sseJson');
/** For events that cannot take the slot (frozen ones). */
const frozenCache = new WeakMap<SseEvent, unknown>();

/**
 * Parses the event's data as JSON once and caches it; `undefined` when the data is not JSON
 * (`[DONE]`, comments, garbage).
 */
export function sseJson(event: SseEvent): unknown {
  // The cache lives on the event, not in a WeakMap: a WeakMap entry per streamed event cost
  // about 1.3 µs (most of it GC work on ephemerons), as much as the parse of a typical chunk.
  const slot = event as SseEvent & { readonly [PARSED]?: unknown };
  if (PARSED in slot) return slot[PARSED];
  if (frozenCache.has(event)) return frozenCache.get(event);
  const value = event.hasData ? parseSseData(event.data) : undefined;
  if (Object.isExtensible(event)) Object.defineProperty(event, PARSED, { value });
  else frozenCache.set(event, value);
  return value;
}
