import type { JsonObject } from '../../types/json.js';
import type { StreamUsageRequest } from '../format-adapter.js';

/** The member spliced into a body without `stream_options`, after its opening brace. */
const ASK_USAGE = Buffer.from('"stream_options":{"include_usage":true},');

const OPEN_BRACE = 0x7b;

/**
 * True when `value` is a `stream_options` the gateway may complete: absent or `null`, or an
 * object whose `include_usage` is absent, `null` or `false`. Anything else (`include_usage:
 * true`, or a value of the wrong type, which the provider should refuse as the client sent it)
 * is left alone.
 */
function completable(value: unknown): value is Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const include = (value as Record<string, unknown>).include_usage;
  return include === undefined || include === null || include === false;
}

/**
 * OpenAI chat streams carry usage only with `stream_options.include_usage: true`: asked for, the
 * provider sends one more chunk, `choices: []` with `usage`, before `[DONE]` (one for all
 * choices when `n > 1`). The gateway asks for it when the client did not, keeping the client's
 * other `stream_options`, and hides that chunk from the client.
 */
export const openAiChatStreamUsage: StreamUsageRequest = {
  request(body) {
    const options = body.stream_options;
    if (!completable(options)) return undefined;
    return { ...body, stream_options: { ...(options ?? {}), include_usage: true } } as JsonObject;
  },

  requestBytes(raw, body) {
    // Only for a non-empty body without the key (a second `stream_options` would be a duplicate
    // key; an empty object would keep the comma). The bytes parsed as a JSON object, so the first
    // `{` in them opens it (only whitespace may come before).
    if (Object.hasOwn(body, 'stream_options') || Object.keys(body).length === 0) return undefined;
    const open = raw.indexOf(OPEN_BRACE);
    if (open === -1) return undefined;
    return Buffer.concat([raw.subarray(0, open + 1), ASK_USAGE, raw.subarray(open + 1)]);
  },
};
