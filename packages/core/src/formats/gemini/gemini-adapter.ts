import { type ApiError, type ApiErrorKind, ApiErrorException, apiError } from '../../types/api-error.js';
import type { JsonObject } from '../../types/json.js';
import type { DeclaredTool } from '../../types/tool-call.js';
import { formatSseEvent } from '../../sse/sse-event.js';
import { asArray, asObject, contentText } from '../content-text.js';
import type { FormatAdapter, FormatRequestInput, RequestInfo, ResponseInfo, UpstreamPathInput } from '../format-adapter.js';
import { geminiMockRenderer } from './gemini-mock.js';
import { parseGeminiTarget } from './gemini-path.js';
import { readGeminiResponse, stripGeminiToolCalls } from './gemini-response.js';
import { GeminiStreamAssembler } from './gemini-stream.js';

/** Google API `status` for each error kind (the HTTP status stays the error's own). */
export const GEMINI_ERROR_STATUSES: Readonly<Record<ApiErrorKind, string>> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  guardrail: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'INVALID_ARGUMENT',
  too_large: 'INVALID_ARGUMENT',
  unsupported_media_type: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  quota: 'RESOURCE_EXHAUSTED',
  upstream: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  unavailable: 'UNAVAILABLE',
  internal: 'INTERNAL',
};

/** Every canonical Google status; an explicit `ApiError.type` is used only if it is one. */
const GOOGLE_STATUSES = new Set([
  'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'UNAUTHENTICATED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
]);

/** Error types other formats use (a plugin may set them explicitly), as Google statuses. */
const FOREIGN_TYPES: Readonly<Record<string, string>> = { guardrail_blocked: 'PERMISSION_DENIED', insufficient_quota: 'RESOURCE_EXHAUSTED' };

/**
 * The Google error envelope `{"error": {"code", "message", "status"}}`. The status comes from
 * the kind unless the error names a canonical Google status (or a well-known OpenAI type).
 */
export function geminiErrorBody(error: ApiError): { error: { code: number; message: string; status: string } } {
  const explicit = error.type === undefined ? undefined : GOOGLE_STATUSES.has(error.type) ? error.type : FOREIGN_TYPES[error.type];
  const status = explicit ?? GEMINI_ERROR_STATUSES[error.kind];
  return { error: { code: error.status, message: error.message, status } };
}

function contents(body: JsonObject): Record<string, unknown>[] {
  return asArray(body.contents).map((c) => asObject(c)).filter((c): c is Record<string, unknown> => c !== undefined);
}

/** `field` in camelCase (as the SDKs send it) or snake_case (the REST API accepts both). */
function field(obj: Record<string, unknown> | undefined, camel: string, snake: string): unknown {
  return obj?.[camel] ?? obj?.[snake];
}

function declarationsOf(tool: Record<string, unknown> | undefined): unknown[] {
  return asArray(field(tool, 'functionDeclarations', 'function_declarations'));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** True for a content that is only function results (a tool answer, not the user). */
function onlyFunctionResponses(content: Record<string, unknown>): boolean {
  const parts = asArray(content.parts);
  return parts.length > 0 && parts.every((p) => asObject(p)?.functionResponse !== undefined || asObject(p)?.function_response !== undefined);
}

/**
 * The Gemini format (`POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent`, compatibility flag `gemini_generate_content`; `/v1/models/…` too).
 *
 * - The model comes from the URL: {@link FormatAdapter.withModel} returns `undefined` and the
 *   upstream path is rebuilt with the routed model, keeping the client's API version and
 *   query (credential parameters such as `key` are removed by core). Unsafe model names (path
 *   traversal, encoded slashes) are refused with 400.
 * - `:streamGenerateContent?alt=sse` is a stream (SSE). Without `alt=sse` the real API answers
 *   one JSON array of chunks; tollgate treats that as a non-streaming exchange whose body is
 *   the array (buffered, then relayed whole), and reads tool calls and usage across its chunks.
 * - Gemini sends no tool-call ids: core makes up deterministic ones (`call_<responseId>_<n>`).
 * - No session hint: Gemini clients send none, so the session is a header or the fingerprint.
 */
export const geminiFormat: FormatAdapter = {
  name: 'gemini_generate_content',
  displayName: 'Gemini generateContent',
  paths: ['/v1beta/models/:target', '/v1beta/models/*target', '/v1/models/:target', '/v1/models/*target'],
  endpoint: '/v1beta/models/{model}:generateContent',
  mock: geminiMockRenderer,
  forwardHeaders: [],

  readRequest({ body, path, params, query }: FormatRequestInput): RequestInfo {
    const target = parseGeminiTarget(path, params.target);
    if (!Array.isArray(body.contents)) {
      throw new ApiErrorException(apiError('invalid_request', 'contents is not specified (an array of contents is required)', { code: 'invalid_request' }));
    }
    return { model: target.model, stream: target.method === 'streamGenerateContent' && query.get('alt') === 'sse' };
  },

  userMessage(body) {
    const list = contents(body);
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i] as Record<string, unknown>;
      if ((c.role === undefined || c.role === 'user') && !onlyFunctionResponses(c)) return contentText(c.parts);
    }
    return '';
  },

  declaredTools(body) {
    const tools: DeclaredTool[] = [];
    for (const tool of asArray(body.tools)) {
      for (const raw of declarationsOf(asObject(tool))) {
        const d = asObject(raw);
        if (typeof d?.name !== 'string') continue;
        tools.push({ name: d.name, description: typeof d.description === 'string' ? d.description : undefined, parameters: d.parameters ?? field(d, 'parametersJsonSchema', 'parameters_json_schema') });
      }
    }
    return tools;
  },

  filterTools(body, keep) {
    const copy: JsonObject = { ...body };
    if (!Array.isArray(body.tools)) return copy;
    const allowed = new Set(this.declaredTools(body).filter(keep).map((t) => t.name));
    const isKept = (d: unknown): boolean => {
      const name = asObject(d)?.name;
      return typeof name !== 'string' || allowed.has(name);
    };
    let functionsLeft = 0;
    const tools: unknown[] = [];
    for (const raw of body.tools) {
      const tool = asObject(raw);
      const key = tool?.functionDeclarations !== undefined ? 'functionDeclarations' : tool?.function_declarations !== undefined ? 'function_declarations' : undefined;
      if (tool === undefined || key === undefined) {
        tools.push(raw);
        continue;
      }
      const kept = asArray(tool[key]).filter(isKept);
      functionsLeft += kept.length;
      const { [key]: _d, ...rest } = tool;
      if (kept.length > 0) tools.push({ ...rest, [key]: kept });
      else if (Object.keys(rest).length > 0) tools.push(rest);
    }
    if (tools.length > 0) copy.tools = tools;
    else delete copy.tools;
    const configKey = copy.toolConfig !== undefined ? 'toolConfig' : copy.tool_config !== undefined ? 'tool_config' : undefined;
    const config = configKey === undefined ? undefined : asObject(copy[configKey]);
    if (configKey !== undefined && config !== undefined) {
      const fccKey = config.functionCallingConfig !== undefined ? 'functionCallingConfig' : 'function_calling_config';
      const fcc = asObject(config[fccKey]);
      const next: Record<string, unknown> = { ...config };
      if (fcc !== undefined && functionsLeft === 0) delete next[fccKey];
      else if (fcc !== undefined) {
        const namesKey = fcc.allowedFunctionNames !== undefined ? 'allowedFunctionNames' : 'allowed_function_names';
        if (Array.isArray(fcc[namesKey])) {
          const names = (fcc[namesKey] as unknown[]).filter((n) => typeof n !== 'string' || allowed.has(n));
          const nextFcc: Record<string, unknown> = { ...fcc, [namesKey]: names };
          if (names.length === 0) {
            delete nextFcc[namesKey];
            if (nextFcc.mode === 'ANY') delete nextFcc.mode;
          }
          next[fccKey] = nextFcc;
        }
      }
      if (Object.keys(next).length > 0) copy[configKey] = next;
      else delete copy[configKey];
    }
    return copy;
  },

  lastTurnIsToolResult(body) {
    const last = contents(body).at(-1);
    return last !== undefined && (last.role === 'function' || asArray(last.parts).some((p) => asObject(p)?.functionResponse !== undefined || asObject(p)?.function_response !== undefined));
  },

  sessionHint() {
    return undefined;
  },

  conversationSeed(body) {
    const system = asObject(field(body, 'systemInstruction', 'system_instruction'));
    const user = contents(body).find((c) => c.role === undefined || c.role === 'user');
    return `${contentText(system?.parts)}\u0000${contentText(user?.parts)}`;
  },

  withModel() {
    return undefined;
  },

  upstreamPath({ clientPath, query, model }: UpstreamPathInput) {
    const path = safeDecode(clientPath);
    const version = /^\/(v1beta|v1)\//.exec(path)?.[1] ?? 'v1beta';
    const method = path.slice(path.lastIndexOf(':') + 1);
    const q = query.toString();
    return `/${version}/models/${encodeURIComponent(model)}:${method}${q === '' ? '' : `?${q}`}`;
  },

  readResponse(body): ResponseInfo {
    return readGeminiResponse(body);
  },

  stripToolCalls(body, stripped) {
    return stripGeminiToolCalls(body, stripped);
  },

  createStreamAssembler() {
    return new GeminiStreamAssembler();
  },

  errorBody: geminiErrorBody,

  streamErrorEvent(error) {
    return formatSseEvent(JSON.stringify(geminiErrorBody(error)));
  },
};
