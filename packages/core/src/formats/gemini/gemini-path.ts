import { ApiErrorException, apiError } from '../../types/api-error.js';

/** Gemini methods tollgate serves, and whether each streams (SSE only with `?alt=sse`). */
export const GEMINI_METHODS: ReadonlySet<string> = new Set(['generateContent', 'streamGenerateContent']);

/** A model id acceptable in an upstream URL segment: no slashes, no `..`, no escapes. */
const SAFE_MODEL = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/;

/** A parsed `/{version}/models/{model}:{method}` client path. */
export interface GeminiTarget {
  /** API version segment of the client path (`v1beta` or `v1`). */
  readonly version: string;
  /** Model id from the URL. */
  readonly model: string;
  /** `generateContent` or `streamGenerateContent`. */
  readonly method: string;
}

/** True when `model` can be placed in an upstream path segment as it is. */
export function isSafeGeminiModel(model: string): boolean {
  return SAFE_MODEL.test(model) && !model.includes('..');
}

/**
 * Parses the Gemini client path's target (`gemini-2.5-flash:streamGenerateContent`, already
 * URL-decoded by the router). Throws a 400 for a missing or unsafe model (path traversal,
 * encoded slashes) and a 404 for a method tollgate does not serve.
 */
export function parseGeminiTarget(path: string, target: string | undefined): GeminiTarget {
  const version = /^\/(v1beta|v1)\//.exec(path)?.[1] ?? 'v1beta';
  const raw = target ?? '';
  const colon = raw.lastIndexOf(':');
  const model = colon === -1 ? raw : raw.slice(0, colon);
  const method = colon === -1 ? '' : raw.slice(colon + 1);
  if (model === '' || model === 'models') {
    throw new ApiErrorException(apiError('invalid_request', 'the model is missing from the URL; use /v1beta/models/{model}:generateContent', { code: 'missing_model' }));
  }
  if (!isSafeGeminiModel(model)) {
    throw new ApiErrorException(apiError('invalid_request', 'invalid model name in the URL (letters, digits, ".", "-", "_", "@", "+"; no "/" or "..")', { code: 'invalid_model' }));
  }
  if (!GEMINI_METHODS.has(method)) {
    const shown = method === '' ? '(none)' : method.slice(0, 60);
    throw new ApiErrorException(apiError('not_found', `method ${shown} is not served for models/${model}; tollgate serves :generateContent and :streamGenerateContent`, { code: 'unsupported_method' }));
  }
  return { version, model, method };
}
