import { type ApiError, type ApiErrorKind, ApiErrorException, apiError } from '../../types/api-error.js';
import type { JsonObject } from '../../types/json.js';
import type { DeclaredTool } from '../../types/tool-call.js';
import { formatSseEvent } from '../../sse/sse-event.js';
import { asArray, asObject, contentText } from '../content-text.js';
import type { FormatAdapter, FormatRequestInput, RequestInfo, ResponseInfo, UpstreamPathInput } from '../format-adapter.js';
import { anthropicMessagesMockRenderer } from './anthropic-messages-mock.js';
import { COUNT_TOKENS_PATH, isCountTokens } from './anthropic-messages-path.js';
import { anthropicToolCalls, anthropicUsage, stripAnthropicToolCalls } from './anthropic-messages-response.js';
import { AnthropicMessagesStreamAssembler } from './anthropic-messages-stream.js';

/**
 * Anthropic error `type` for each error kind. A guardrail block is `invalid_request_error` (as
 * Aperture answers it); quota refusals are `rate_limit_error`.
 */
export const ANTHROPIC_ERROR_TYPES: Readonly<Record<ApiErrorKind, string>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  guardrail: 'invalid_request_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  too_large: 'request_too_large',
  unsupported_media_type: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  quota: 'rate_limit_error',
  upstream: 'api_error',
  timeout: 'timeout_error',
  unavailable: 'overloaded_error',
  internal: 'api_error',
};

/** Error types Anthropic's API and SDKs know; an explicit `ApiError.type` is used only if it is one. */
const KNOWN_TYPES = new Set([...Object.values(ANTHROPIC_ERROR_TYPES), 'billing_error', 'conflict_error']);

/** Error types other formats use (a plugin may set them explicitly), in Anthropic's terms. */
const FOREIGN_TYPES: Readonly<Record<string, string>> = { guardrail_blocked: 'invalid_request_error', insufficient_quota: 'rate_limit_error' };

/**
 * The Anthropic error envelope `{"type": "error", "error": {"type", "message"}}`. The error type
 * comes from the kind unless the error names a type Anthropic itself uses (or a well-known
 * OpenAI type with an Anthropic equivalent, such as `guardrail_blocked`).
 */
export function anthropicErrorBody(error: ApiError): { type: 'error'; error: { type: string; message: string } } {
  const explicit = error.type === undefined ? undefined : KNOWN_TYPES.has(error.type) ? error.type : FOREIGN_TYPES[error.type];
  const type = explicit ?? ANTHROPIC_ERROR_TYPES[error.kind];
  return { type: 'error', error: { type, message: error.message } };
}

function invalid(message: string): ApiErrorException {
  return new ApiErrorException(apiError('invalid_request', message, { code: 'invalid_request' }));
}

function messages(body: JsonObject): Record<string, unknown>[] {
  return asArray(body.messages).map((m) => asObject(m)).filter((m): m is Record<string, unknown> => m !== undefined);
}

/** True when a user message's content holds only `tool_result` blocks (a tool answer, not the user). */
function onlyToolResults(content: unknown): boolean {
  if (!Array.isArray(content) || content.length === 0) return false;
  return content.every((b) => asObject(b)?.type === 'tool_result');
}

/** Claude Code's `metadata.user_id`: `user_<hash>_account_<uuid>_session_<uuid>`, or a JSON object with `session_id`. */
function sessionOfUserId(userId: string): string | undefined {
  const trimmed = userId.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = asObject(JSON.parse(trimmed));
      return typeof parsed?.session_id === 'string' && parsed.session_id !== '' ? parsed.session_id : undefined;
    } catch {
      return undefined;
    }
  }
  const m = /_session_([A-Za-z0-9-]+)$/.exec(trimmed);
  return m === null ? undefined : m[1];
}

/**
 * The Anthropic Messages format (`POST /v1/messages`, and `POST /v1/messages/count_tokens`, compatibility flag `anthropic_messages`).
 * Forwards `anthropic-version` and `anthropic-beta`; the provider key goes upstream in the
 * provider's `authorization` style (`x-api-key` for Anthropic). The session hint is the session
 * part of Claude Code's `metadata.user_id`.
 */
export const anthropicMessagesFormat: FormatAdapter = {
  name: 'anthropic_messages',
  displayName: 'Anthropic Messages',
  // `count_tokens` (Claude Code calls it) is the same request shape, answered `{input_tokens}`.
  paths: ['/v1/messages', COUNT_TOKENS_PATH],
  endpoint: '/v1/messages',
  mock: anthropicMessagesMockRenderer,
  forwardHeaders: ['anthropic-version', 'anthropic-beta'],

  readRequest({ body, path }: FormatRequestInput): RequestInfo {
    if (typeof body.model !== 'string' || body.model.trim() === '') throw invalid('model: Field required');
    if (!Array.isArray(body.messages)) throw invalid('messages: Field required (an array of messages)');
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('stream: Input should be a valid boolean');
    return { model: body.model, stream: body.stream === true && !isCountTokens(path) };
  },

  userMessage(body) {
    const list = messages(body);
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i] as Record<string, unknown>;
      if (m.role === 'user' && !onlyToolResults(m.content)) return contentText(m.content);
    }
    return '';
  },

  declaredTools(body) {
    const tools: DeclaredTool[] = [];
    for (const entry of asArray(body.tools)) {
      const t = asObject(entry);
      if (typeof t?.name !== 'string') continue;
      tools.push({ name: t.name, description: typeof t.description === 'string' ? t.description : undefined, parameters: t.input_schema });
    }
    return tools;
  },

  filterTools(body, keep) {
    const copy: JsonObject = { ...body };
    if (!Array.isArray(body.tools)) return copy;
    const allowed = new Set(this.declaredTools(body).filter(keep).map((t) => t.name));
    const kept = body.tools.filter((t) => {
      const name = asObject(t)?.name;
      return typeof name !== 'string' || allowed.has(name);
    });
    if (kept.length > 0) copy.tools = kept;
    else delete copy.tools;
    const chosen = asObject(copy.tool_choice)?.name;
    if (copy.tools === undefined || (typeof chosen === 'string' && !allowed.has(chosen))) delete copy.tool_choice;
    return copy;
  },

  lastTurnIsToolResult(body) {
    const last = messages(body).at(-1);
    return last?.role === 'user' && asArray(last.content).some((b) => asObject(b)?.type === 'tool_result');
  },

  sessionHint(body) {
    const userId = asObject(body.metadata)?.user_id;
    return typeof userId === 'string' ? sessionOfUserId(userId) : undefined;
  },

  conversationSeed(body) {
    const user = messages(body).find((m) => m.role === 'user');
    return `${contentText(body.system)}\u0000${contentText(user?.content)}`;
  },

  withModel(body, model) {
    return { ...body, model };
  },

  upstreamPath({ clientPath, query }: UpstreamPathInput) {
    const q = query.toString();
    return `${isCountTokens(clientPath) ? COUNT_TOKENS_PATH : '/v1/messages'}${q === '' ? '' : `?${q}`}`;
  },

  readResponse(body): ResponseInfo {
    const obj = asObject(body);
    // A count_tokens answer is `{input_tokens}` (no message, no usage object).
    const usage = anthropicUsage(obj?.usage ?? (typeof obj?.input_tokens === 'number' ? { input_tokens: obj.input_tokens } : undefined));
    return { toolCalls: anthropicToolCalls(body), usage };
  },

  stripToolCalls(body, stripped) {
    return stripAnthropicToolCalls(body, stripped);
  },

  createStreamAssembler(options) {
    return new AnthropicMessagesStreamAssembler(options);
  },

  errorBody: anthropicErrorBody,

  streamErrorEvent(error) {
    return formatSseEvent(JSON.stringify(anthropicErrorBody(error)), 'error');
  },
};
