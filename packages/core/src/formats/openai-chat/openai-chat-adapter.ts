import { type ApiError, type ApiErrorKind, ApiErrorException, apiError } from '../../types/api-error.js';
import type { JsonObject } from '../../types/json.js';
import type { DeclaredTool } from '../../types/tool-call.js';
import { formatSseEvent } from '../../sse/sse-event.js';
import { asArray, asObject, contentText } from '../content-text.js';
import type { FormatAdapter, FormatRequestInput, RequestInfo, ResponseInfo, StrippedCall, UpstreamPathInput } from '../format-adapter.js';
import { openAiChatMockRenderer } from './openai-chat-mock.js';
import { openAiChatToolCalls, openAiChatUsage, stripOpenAiChatToolCalls } from './openai-chat-response.js';
import { OpenAiChatStreamAssembler } from './openai-chat-stream.js';
import { openAiChatStreamUsage } from './openai-chat-stream-usage.js';

/** OpenAI error `type` for each error kind (OpenAI chat and responses). */
export const OPENAI_ERROR_TYPES: Readonly<Record<ApiErrorKind, string>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  guardrail: 'guardrail_blocked',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  too_large: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  quota: 'insufficient_quota',
  upstream: 'upstream_error',
  timeout: 'timeout_error',
  unavailable: 'service_unavailable',
  internal: 'server_error',
};

/** The OpenAI error envelope: `{"error": {"message", "type", "param", "code"}}`. */
export function openAiErrorBody(error: ApiError): { error: Record<string, unknown> } {
  return { error: { message: error.message, type: error.type ?? OPENAI_ERROR_TYPES[error.kind], param: null, code: error.code ?? null } };
}

/** Reads `model` and `stream` from an OpenAI-style body, or throws a 400. */
export function readOpenAiModelAndStream(body: JsonObject): RequestInfo {
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    throw new ApiErrorException(apiError('invalid_request', 'you must provide a model parameter', { code: 'missing_model' }));
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new ApiErrorException(apiError('invalid_request', "'stream' must be a boolean", { code: 'invalid_type' }));
  }
  return { model: body.model, stream: body.stream === true };
}

function messages(body: JsonObject): Record<string, unknown>[] {
  return asArray(body.messages).map((m) => asObject(m)).filter((m): m is Record<string, unknown> => m !== undefined);
}

/** Tool name of a chat `tools` entry (`{type:'function', function:{name}}`) or legacy `functions` entry. */
function chatToolName(entry: unknown): string | undefined {
  const e = asObject(entry);
  const fn = asObject(e?.function) ?? e;
  return typeof fn?.name === 'string' ? fn.name : undefined;
}

/** The OpenAI Chat Completions format (`POST /v1/chat/completions`). */
export const openAiChatFormat: FormatAdapter = {
  name: 'openai_chat',
  displayName: 'OpenAI Chat Completions',
  paths: ['/v1/chat/completions', '/chat/completions'],
  endpoint: '/v1/chat/completions',
  mock: openAiChatMockRenderer,
  forwardHeaders: ['openai-beta'],

  readRequest({ body }: FormatRequestInput): RequestInfo {
    const info = readOpenAiModelAndStream(body);
    if (!Array.isArray(body.messages)) {
      throw new ApiErrorException(apiError('invalid_request', "'messages' must be an array of messages", { code: 'invalid_type' }));
    }
    return info;
  },

  userMessage(body) {
    const list = messages(body);
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i] as Record<string, unknown>;
      if (m.role === 'user') return contentText(m.content);
    }
    return '';
  },

  declaredTools(body) {
    const tools: DeclaredTool[] = [];
    for (const entry of [...asArray(body.tools), ...asArray(body.functions)]) {
      const e = asObject(entry);
      const fn = asObject(e?.function) ?? e;
      if (typeof fn?.name !== 'string') continue;
      tools.push({ name: fn.name, description: typeof fn.description === 'string' ? fn.description : undefined, parameters: fn.parameters });
    }
    return tools;
  },

  filterTools(body, keep) {
    const copy: JsonObject = { ...body };
    const allowed = new Set(this.declaredTools(body).filter(keep).map((t) => t.name));
    for (const field of ['tools', 'functions'] as const) {
      if (!Array.isArray(body[field])) continue;
      const kept = (body[field] as unknown[]).filter((t) => {
        const name = chatToolName(t);
        return name === undefined || allowed.has(name);
      });
      if (kept.length > 0) copy[field] = kept;
      else delete copy[field];
    }
    const choice = asObject(copy.tool_choice);
    const chosen = asObject(choice?.function)?.name;
    if (copy.tools === undefined) {
      delete copy.tool_choice;
      delete copy.parallel_tool_calls;
    } else if (typeof chosen === 'string' && !allowed.has(chosen)) delete copy.tool_choice;
    if (copy.functions === undefined) delete copy.function_call;
    return copy;
  },

  lastTurnIsToolResult(body) {
    const last = messages(body).at(-1);
    return last?.role === 'tool' || last?.role === 'function';
  },

  sessionHint(body) {
    const metadata = asObject(body.metadata);
    return typeof metadata?.session_id === 'string' ? metadata.session_id : undefined;
  },

  conversationSeed(body) {
    const list = messages(body);
    const system = list.find((m) => m.role === 'system' || m.role === 'developer');
    const user = list.find((m) => m.role === 'user');
    return `${contentText(system?.content)}\u0000${contentText(user?.content)}`;
  },

  withModel(body, model) {
    return { ...body, model };
  },

  upstreamPath({ query }: UpstreamPathInput) {
    const q = query.toString();
    return `/v1/chat/completions${q === '' ? '' : `?${q}`}`;
  },

  readResponse(body, options): ResponseInfo {
    return { toolCalls: openAiChatToolCalls(body, { strict: options?.strict }), usage: openAiChatUsage(asObject(body)?.usage) };
  },

  stripToolCalls(body, stripped: readonly StrippedCall[]) {
    return stripOpenAiChatToolCalls(body, stripped);
  },

  createStreamAssembler(options) {
    return new OpenAiChatStreamAssembler(options);
  },

  errorBody: openAiErrorBody,

  streamErrorEvent(error) {
    return formatSseEvent(JSON.stringify(openAiErrorBody(error)));
  },

  streamUsage: openAiChatStreamUsage,
};
