import type { FormatCase } from './formats.js';

/** The model of the built-in mock provider. */
export const MOCK_MODEL = 'mock-1';

/** The mock provider, open to every client API format. */
export const MOCK_PROVIDER = {
  mock: { baseurl: 'mock://', models: [MOCK_MODEL], compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true } },
};

const PARAMS = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };

/**
 * A request for the mock model in `format` declaring one tool, `delete_file`: the mock answers
 * with a call to it, whose `path` argument is the user message.
 */
export function toolRequest(format: FormatCase, stream: boolean, message = 'please call delete_file on /tmp/x'): { path: string; body: Record<string, unknown> } {
  const path = format.path(stream, MOCK_MODEL);
  switch (format.name) {
    case 'openai_chat':
      return { path, body: { model: MOCK_MODEL, stream, messages: [{ role: 'user', content: message }], tools: [{ type: 'function', function: { name: 'delete_file', parameters: PARAMS } }] } };
    case 'openai_responses':
      return { path, body: { model: MOCK_MODEL, stream, input: message, tools: [{ type: 'function', name: 'delete_file', parameters: PARAMS }] } };
    case 'anthropic_messages':
      return { path, body: { model: MOCK_MODEL, stream, max_tokens: 100, messages: [{ role: 'user', content: message }], tools: [{ name: 'delete_file', input_schema: PARAMS }] } };
    case 'gemini':
      return { path, body: { contents: [{ role: 'user', parts: [{ text: message }] }], tools: [{ functionDeclarations: [{ name: 'delete_file', parameters: PARAMS }] }] } };
  }
}
