import type { Exchange } from '@tollgate/core';

/**
 * Attribute names of the OpenTelemetry GenAI semantic conventions (development status; copied as
 * strings, as the conventions advise for instrumentations, rather than imported from the
 * incubating entry point), and tollgate's own.
 */
export const ATTR = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** Deprecated name of `gen_ai.provider.name`, still read by many backends. */
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  conversationId: 'gen_ai.conversation.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolDefinitions: 'gen_ai.tool.definitions',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  httpStatus: 'http.response.status_code',
  requestId: 'tollgate.request.id',
  providerId: 'tollgate.provider.id',
  identity: 'tollgate.identity',
  format: 'tollgate.format',
  toolCalls: 'tollgate.tool_calls',
  decision: 'tollgate.tool_call.decision',
  decidedBy: 'tollgate.tool_call.decided_by',
  reason: 'tollgate.tool_call.reason',
} as const;

/** `gen_ai.provider.name` of an API format (the API the provider speaks, not the configured id). */
export function providerName(format: string): string {
  if (format.startsWith('openai')) return 'openai';
  if (format.startsWith('anthropic')) return 'anthropic';
  if (format.startsWith('gemini')) return 'gcp.gemini';
  return format;
}

/** `gen_ai.operation.name` of an API format. */
export function operationName(format: string): string {
  return format.startsWith('gemini') ? 'generate_content' : 'chat';
}

/** The conventions' `gen_ai.input.messages` for what tollgate knows of a request: the last user message. */
export function inputMessages(userMessage: string): string {
  return JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: userMessage }] }]);
}

/** The conventions' `gen_ai.output.messages` for the tool calls of an answer. */
export function outputMessages(e: Exchange): string {
  return JSON.stringify([{ role: 'assistant', parts: e.toolCalls.map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.params })) }]);
}

/** The model the provider says answered (`model` of the response body), if any. */
export function responseModel(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as { model?: unknown; modelVersion?: unknown };
  return typeof b.model === 'string' ? b.model : typeof b.modelVersion === 'string' ? b.modelVersion : undefined;
}
