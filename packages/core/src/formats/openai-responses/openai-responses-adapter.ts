import { type ApiError, ApiErrorException, apiError } from '../../types/api-error.js';
import type { JsonObject } from '../../types/json.js';
import type { DeclaredTool } from '../../types/tool-call.js';
import { formatSseEvent } from '../../sse/sse-event.js';
import { asArray, asObject, contentText } from '../content-text.js';
import type { FormatAdapter, FormatRequestInput, RequestInfo, ResponseInfo, UpstreamPathInput } from '../format-adapter.js';
import { openAiResponsesMockRenderer } from './openai-responses-mock.js';
import { OPENAI_ERROR_TYPES, openAiErrorBody, readOpenAiModelAndStream } from '../openai-chat/openai-chat-adapter.js';
import { RESPONSES_BUILTIN_CLIENT_TOOLS, openAiResponsesToolCalls, openAiResponsesUsage, stripOpenAiResponsesToolCalls } from './openai-responses-response.js';
import { OpenAiResponsesStreamAssembler } from './openai-responses-stream.js';

/** The tool name of a `tools` entry: functions and custom tools by name, Codex's built-in client tools by type. */
function toolName(entry: unknown): string | undefined {
  const t = asObject(entry);
  if (t === undefined) return undefined;
  if ((t.type === 'function' || t.type === 'custom') && typeof t.name === 'string') return t.name;
  if (typeof t.type === 'string' && RESPONSES_BUILTIN_CLIENT_TOOLS.has(t.type)) return t.type;
  return undefined;
}

function inputItems(body: JsonObject): Record<string, unknown>[] {
  return asArray(body.input).map((m) => asObject(m)).filter((m): m is Record<string, unknown> => m !== undefined);
}

/** Text of an input message item (`content` is a string or `input_text` parts). */
function itemText(item: Record<string, unknown> | undefined): string {
  return contentText(item?.content);
}

/** The in-stream error of the Responses API: an `error` event (the SDK throws on it), then `response.failed`. */
function responsesStreamError(error: ApiError): string {
  const type = error.type ?? OPENAI_ERROR_TYPES[error.kind];
  const code = error.code ?? type;
  const errorEvent = { type: 'error', code, message: error.message, param: null, error: { type, code, message: error.message, param: null } };
  const failed = { type: 'response.failed', response: { object: 'response', status: 'failed', error: { code, message: error.message }, output: [] } };
  return formatSseEvent(JSON.stringify(errorEvent), 'error') + formatSseEvent(JSON.stringify(failed), 'response.failed');
}

/**
 * The OpenAI Responses format (`POST /v1/responses`, compatibility flag `openai_responses`).
 * Errors use the OpenAI envelope. The session hint is the request's `conversation` id, else
 * Codex's `prompt_cache_key` (Codex also sends a `session_id` header, which core reads first).
 */
export const openAiResponsesFormat: FormatAdapter = {
  name: 'openai_responses',
  displayName: 'OpenAI Responses',
  paths: ['/v1/responses', '/responses'],
  endpoint: '/v1/responses',
  mock: openAiResponsesMockRenderer,
  forwardHeaders: ['openai-beta', 'originator', 'session_id', 'conversation_id'],

  readRequest({ body }: FormatRequestInput): RequestInfo {
    const info = readOpenAiModelAndStream(body);
    if (body.input !== undefined && typeof body.input !== 'string' && !Array.isArray(body.input)) {
      throw new ApiErrorException(apiError('invalid_request', "'input' must be a string or an array of input items", { code: 'invalid_type' }));
    }
    return info;
  },

  userMessage(body) {
    if (typeof body.input === 'string') return body.input;
    const items = inputItems(body);
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i] as Record<string, unknown>;
      if (item.role === 'user' && (item.type === undefined || item.type === 'message')) return itemText(item);
    }
    return '';
  },

  declaredTools(body) {
    const tools: DeclaredTool[] = [];
    for (const entry of asArray(body.tools)) {
      const name = toolName(entry);
      if (name === undefined) continue;
      const t = asObject(entry) as Record<string, unknown>;
      tools.push({ name, description: typeof t.description === 'string' ? t.description : undefined, parameters: t.type === 'custom' ? t.format : t.parameters });
    }
    return tools;
  },

  filterTools(body, keep) {
    const copy: JsonObject = { ...body };
    if (!Array.isArray(body.tools)) return copy;
    const allowed = new Set(this.declaredTools(body).filter(keep).map((t) => t.name));
    const isKept = (entry: unknown): boolean => {
      const name = toolName(entry);
      return name === undefined || allowed.has(name);
    };
    const kept = body.tools.filter(isKept);
    if (kept.length > 0) copy.tools = kept;
    else delete copy.tools;
    const choice = asObject(copy.tool_choice);
    if (copy.tools === undefined) {
      delete copy.tool_choice;
      delete copy.parallel_tool_calls;
    } else if (choice?.type === 'allowed_tools' && Array.isArray(choice.tools)) {
      const still = choice.tools.filter(isKept);
      if (still.length > 0) copy.tool_choice = { ...choice, tools: still };
      else delete copy.tool_choice;
    } else if (choice !== undefined && !isKept(choice)) delete copy.tool_choice;
    return copy;
  },

  lastTurnIsToolResult(body) {
    const type = inputItems(body).at(-1)?.type;
    return typeof type === 'string' && type.endsWith('_call_output');
  },

  sessionHint(body) {
    const conversation = typeof body.conversation === 'string' ? body.conversation : asObject(body.conversation)?.id;
    if (typeof conversation === 'string' && conversation !== '') return conversation;
    if (typeof body.prompt_cache_key === 'string' && body.prompt_cache_key !== '') return body.prompt_cache_key;
    const session = asObject(body.metadata)?.session_id;
    return typeof session === 'string' && session !== '' ? session : undefined;
  },

  conversationSeed(body) {
    const instructions = typeof body.instructions === 'string' ? body.instructions : '';
    const items = inputItems(body);
    const system = items.find((m) => m.role === 'system' || m.role === 'developer');
    const first = typeof body.input === 'string' ? body.input : itemText(items.find((m) => m.role === 'user'));
    return `${instructions}\u0000${itemText(system)}\u0000${first}`;
  },

  withModel(body, model) {
    return { ...body, model };
  },

  upstreamPath({ query }: UpstreamPathInput) {
    const q = query.toString();
    return `/v1/responses${q === '' ? '' : `?${q}`}`;
  },

  readResponse(body): ResponseInfo {
    return { toolCalls: openAiResponsesToolCalls(body), usage: openAiResponsesUsage(asObject(body)?.usage) };
  },

  stripToolCalls(body, stripped) {
    return stripOpenAiResponsesToolCalls(body, stripped);
  },

  createStreamAssembler() {
    return new OpenAiResponsesStreamAssembler();
  },

  errorBody: openAiErrorBody,

  streamErrorEvent: responsesStreamError,
};
