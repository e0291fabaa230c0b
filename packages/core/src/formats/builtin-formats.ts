import { anthropicMessagesFormat } from './anthropic-messages/anthropic-messages-adapter.js';
import type { FormatAdapter } from './format-adapter.js';
import type { FormatRegistry } from './format-registry.js';
import { geminiFormat } from './gemini/gemini-adapter.js';
import { openAiChatFormat } from './openai-chat/openai-chat-adapter.js';
import { openAiResponsesFormat } from './openai-responses/openai-responses-adapter.js';

/** The formats core ships. Each declares its paths, endpoint and mock answers in its own folder. */
export const BUILTIN_FORMATS: readonly FormatAdapter[] = [openAiChatFormat, openAiResponsesFormat, anthropicMessagesFormat, geminiFormat];

/** Registers the built-in formats in a registry. */
export function registerBuiltinFormats(registry: FormatRegistry): void {
  for (const adapter of BUILTIN_FORMATS) registry.register(adapter);
}
