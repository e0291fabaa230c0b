/**
 * @tollgate/core/formats: the client API formats (OpenAI Chat Completions and Responses, Anthropic
 * Messages, Gemini): their adapters, stream assemblers, response readers, SSE framing and the mock
 * renderers. For plugins that add a format (`host.formats.register`) and for tests of format
 * behaviour; request hooks never need them.
 */
export type { FormatAdapter, FormatRequestInput, RequestInfo, UpstreamPathInput, ResponseInfo, StrippedCall, CompletedCall, StreamEventInfo, AssembledResponse, StreamAssembler, StreamAssemblerOptions, ReadResponseOptions, StoredFollowUps, StreamUsageRequest } from './formats/format-adapter.js';
export { FormatRegistry } from './formats/format-registry.js';
export { BUILTIN_FORMATS } from './formats/builtin-formats.js';
export { openAiChatFormat, openAiErrorBody, OPENAI_ERROR_TYPES } from './formats/openai-chat/openai-chat-adapter.js';
export { OpenAiChatStreamAssembler } from './formats/openai-chat/openai-chat-stream.js';
export { parseToolArguments, strictToolArguments, strippedCallNote } from './formats/tool-arguments.js';
export { UnreadableResponseError, refuseUnreadable } from './formats/unreadable-response.js';
export { openAiResponsesFollowUps } from './formats/openai-responses/openai-responses-follow-ups.js';
export { contentText, asObject, asArray } from './formats/content-text.js';
export { openAiResponsesFormat } from './formats/openai-responses/openai-responses-adapter.js';
export { OpenAiResponsesStreamAssembler } from './formats/openai-responses/openai-responses-stream.js';
export { openAiResponsesToolCalls, openAiResponsesUsage, stripOpenAiResponsesToolCalls, RESPONSES_CALL_ITEMS } from './formats/openai-responses/openai-responses-response.js';
export { anthropicMessagesFormat, anthropicErrorBody, ANTHROPIC_ERROR_TYPES } from './formats/anthropic-messages/anthropic-messages-adapter.js';
export { AnthropicMessagesStreamAssembler } from './formats/anthropic-messages/anthropic-messages-stream.js';
export { anthropicToolCalls, anthropicUsage, stripAnthropicToolCalls } from './formats/anthropic-messages/anthropic-messages-response.js';
export { geminiFormat, geminiErrorBody, GEMINI_ERROR_STATUSES } from './formats/gemini/gemini-adapter.js';
export { GeminiStreamAssembler } from './formats/gemini/gemini-stream.js';
export { GeminiReassembler, geminiCallId, type GeminiCallState, type GeminiChunkInfo, type GeminiPartRef } from './formats/gemini/gemini-reassembler.js';
export { geminiUsage, readGeminiResponse, stripGeminiToolCalls } from './formats/gemini/gemini-response.js';
export { parseGeminiTarget, isSafeGeminiModel, type GeminiTarget } from './formats/gemini/gemini-path.js';
export { applyPartialArgs, parseArgPath } from './formats/gemini/gemini-partial-args.js';
export { type SseEvent, createSseEvent, formatSseEvent, sseJson } from './sse/sse-event.js';
export { SseFramer, SseEventTooLargeError, type SseFramerOptions } from './sse/sse-framer.js';
export { planMockResponse, mockArguments, MOCK_CREATED } from './providers/mock/mock-plan.js';
export { chunkText, type MockPlan, type MockToolCall, type MockRenderer, type MockRenderContext } from './providers/mock/mock-renderer.js';
export type { ErrorEnvelope } from './http/write-response.js';
