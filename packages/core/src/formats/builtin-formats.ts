import { registerMockRenderer, type MockRenderer } from '../providers/mock/mock-renderers.js';
import { anthropicMessagesMockRenderer } from '../providers/mock/render-anthropic-messages.js';
import { geminiMockRenderer } from '../providers/mock/render-gemini.js';
import { openAiChatMockRenderer } from '../providers/mock/render-openai-chat.js';
import { openAiResponsesMockRenderer } from '../providers/mock/render-openai-responses.js';
import { anthropicMessagesFormat } from './anthropic-messages/anthropic-messages-adapter.js';
import type { FormatAdapter } from './format-adapter.js';
import type { FormatRegistry } from './format-registry.js';
import { geminiFormat } from './gemini/gemini-adapter.js';
import { openAiChatFormat } from './openai-chat/openai-chat-adapter.js';
import { openAiResponsesFormat } from './openai-responses/openai-responses-adapter.js';

/** The formats core ships, each with the mock provider's renderer for it. */
export const BUILTIN_FORMATS: ReadonlyArray<{ readonly adapter: FormatAdapter; readonly mock: MockRenderer }> = [
  { adapter: openAiChatFormat, mock: openAiChatMockRenderer },
  { adapter: openAiResponsesFormat, mock: openAiResponsesMockRenderer },
  { adapter: anthropicMessagesFormat, mock: anthropicMessagesMockRenderer },
  { adapter: geminiFormat, mock: geminiMockRenderer },
];

for (const { adapter, mock } of BUILTIN_FORMATS) registerMockRenderer(adapter.name, mock);

/** Registers the built-in formats in a registry. */
export function registerBuiltinFormats(registry: FormatRegistry): void {
  for (const { adapter } of BUILTIN_FORMATS) registry.register(adapter);
}
