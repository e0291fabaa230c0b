import assert from 'node:assert/strict';
import { type FixtureFormat, type SseClientFrame, chunksToSse, parseSseClientFrames, readChunkLines, readFixture } from '@tollgate/testing';
import type { Answer } from './http.js';

/** Provider keys of the reliability gateways (distinctive, so a leak is easy to spot). */
export const PROVIDER_KEYS = {
  openai: 'sk-prov-SECRET-openai-4f1c9a7e',
  anthropic: 'sk-prov-SECRET-anthropic-b83d20',
  google: 'sk-prov-SECRET-google-77ac5e1d',
} as const;

/** One client API format, with what the fault tests need to drive it and check its answers. */
export interface FormatCase {
  /** Core's format name. */
  readonly name: 'openai_chat' | 'openai_responses' | 'anthropic_messages' | 'gemini';
  /** Fixtures sub-directory. */
  readonly fixtures: FixtureFormat;
  /** The model the gateway routes to the live fake upstream. */
  readonly model: string;
  /** Client path of a request for `model`. */
  path(stream: boolean, model?: string): string;
  /** Client body of a request for `model` (Gemini: the model is in the path). */
  body(stream: boolean, model?: string): Record<string, unknown>;
  /** A captured stream with a tool call, one SSE frame per element. */
  frames(): string[];
  /** A captured non-streaming response with a tool call. */
  json(): unknown;
  /** Name of a tool called in {@link frames}. */
  readonly toolName: string;
}

/** Splits raw SSE text into frames (each ending with its blank line). */
export function splitFrames(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((f) => f.length > 0);
}

function fixtureJson(format: FixtureFormat, file: string): unknown {
  return JSON.parse(readFixture(format, file).toString('utf8'));
}

/** The four client API formats, each routed to a provider of its own on the fake upstream. */
export const FORMATS: readonly FormatCase[] = [
  {
    name: 'openai_chat',
    fixtures: 'openai-chat',
    model: 'gpt-4o',
    path: () => '/v1/chat/completions',
    // A stream asks for usage, as the fixture was captured: its usage chunk then reaches the client.
    body: (stream, model = 'gpt-4o') => ({ model, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'What is the weather in Edinburgh?' }] }),
    frames: () => splitFrames(readFixture('openai-chat', 'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin').toString('utf8')),
    json: () => fixtureJson('openai-chat', 'deepseek-tool-call.json'),
    toolName: 'GetWeatherArgs',
  },
  {
    name: 'openai_responses',
    fixtures: 'openai-responses',
    model: 'gpt-5',
    path: () => '/v1/responses',
    body: (stream, model = 'gpt-5') => ({ model, stream, input: 'What is the verification code?' }),
    frames: () => chunksToSse('openai-responses', readChunkLines('openai-responses', 'openai-issue-11239.1.chunks.txt')),
    json: () => fixtureJson('openai-responses', 'issue-7082-o3-optional-tool-parameters.json'),
    toolName: 'lookupVerificationCode',
  },
  {
    name: 'anthropic_messages',
    fixtures: 'anthropic-messages',
    model: 'claude-sonnet-4-5',
    path: () => '/v1/messages',
    body: (stream, model = 'claude-sonnet-4-5') => ({ model, stream, max_tokens: 256, messages: [{ role: 'user', content: 'Weather in Paris?' }] }),
    frames: () => splitFrames(readFixture('anthropic-messages', 'tool_use_response.txt').toString('utf8')),
    json: () => fixtureJson('anthropic-messages', 'anthropic-issue-11719-quoted-tool-input.json'),
    toolName: 'get_weather',
  },
  {
    name: 'gemini',
    fixtures: 'gemini',
    model: 'gemini-2.5-flash',
    path: (stream, model = 'gemini-2.5-flash') => `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: () => ({ contents: [{ role: 'user', parts: [{ text: 'Read the theme and the screens' }] }] }),
    frames: () => chunksToSse('gemini', readChunkLines('gemini', 'google-stream-no-args-tool-call.chunks.txt')),
    json: () => fixtureJson('gemini', 'google-tool-call.json'),
    toolName: 'read_screen',
  },
];

/** The model every format's dead provider (a closed port) serves. */
export const DEAD_MODEL = 'dead-model';

/** Providers routing every format to `upstreamUrl`, plus a `dead` provider at `deadUrl` for {@link DEAD_MODEL}. */
export function providersFor(upstreamUrl: string, deadUrl?: string): Record<string, unknown> {
  const all = { openai_chat: true, openai_responses: true, anthropic_messages: true, gemini_generate_content: true };
  return {
    openai: { baseurl: `${upstreamUrl}/v1`, apikey: PROVIDER_KEYS.openai, models: ['gpt-4o', 'gpt-5'], compatibility: { openai_chat: true, openai_responses: true } },
    anthropic: { baseurl: upstreamUrl, apikey: PROVIDER_KEYS.anthropic, authorization: 'x-api-key', models: ['claude-sonnet-4-5'], compatibility: { anthropic_messages: true } },
    google: { baseurl: upstreamUrl, apikey: PROVIDER_KEYS.google, authorization: 'x-goog-api-key', models: ['gemini-2.5-flash'], compatibility: { gemini_generate_content: true } },
    ...(deadUrl === undefined ? {} : { dead: { baseurl: deadUrl, apikey: 'sk-prov-SECRET-dead-0a0a0a', models: [DEAD_MODEL], compatibility: all } }),
  };
}

/**
 * Asserts that `answer` is an error in `format`'s own envelope (compat spec 4.5) with `status`,
 * JSON content type and a message; returns the message.
 */
export function assertErrorEnvelope(format: FormatCase, answer: Answer, status: number): string {
  assert.equal(answer.status, status, `${format.name}: status (body: ${answer.text.slice(0, 300)})`);
  assert.match(String(answer.headers['content-type']), /^application\/json/, `${format.name}: JSON error`);
  const body = answer.json();
  return errorMessageOf(format, body, status);
}

/** Checks one error object of `format` (HTTP body or in-stream data) and returns its message. */
export function errorMessageOf(format: FormatCase, body: any, status?: number): string {
  switch (format.name) {
    case 'openai_chat':
    case 'openai_responses': {
      assert.deepEqual(Object.keys(body), ['error'], `${format.name}: OpenAI envelope`);
      assert.equal(typeof body.error.type, 'string');
      assert.equal(typeof body.error.message, 'string');
      assert.ok(body.error.message.length > 0);
      return body.error.message;
    }
    case 'anthropic_messages': {
      assert.equal(body.type, 'error', 'Anthropic envelope');
      assert.equal(typeof body.error?.type, 'string');
      assert.equal(typeof body.error?.message, 'string');
      return body.error.message;
    }
    case 'gemini': {
      assert.deepEqual(Object.keys(body), ['error'], 'Google envelope');
      if (status !== undefined) assert.equal(body.error.code, status);
      assert.equal(typeof body.error.status, 'string');
      assert.equal(typeof body.error.message, 'string');
      return body.error.message;
    }
  }
}

/** One SSE frame as a client parses it. */
export type ClientFrame = SseClientFrame;

/** Parses SSE text into frames (LF or CRLF), as a client does. */
export const parseFrames = parseSseClientFrames;

/**
 * Asserts that a streamed answer ends with `format`'s in-stream error (after whatever came
 * before it) and returns the error message: OpenAI chat and Gemini a `data:` error object,
 * Anthropic an `error` event, OpenAI Responses an `error` event followed by `response.failed`.
 */
export function assertStreamEndsWithError(format: FormatCase, text: string): string {
  const frames = parseFrames(text);
  assert.ok(frames.length > 0, `${format.name}: some frames`);
  const last = frames.at(-1) as ClientFrame;
  if (format.name === 'openai_responses') {
    assert.equal(last.event, 'response.failed', 'Responses: the stream ends with response.failed');
    assert.equal(JSON.parse(last.data).response.status, 'failed');
    const error = frames.at(-2) as ClientFrame;
    assert.equal(error.event, 'error');
    const body = JSON.parse(error.data);
    assert.equal(typeof body.message, 'string');
    return body.message;
  }
  if (format.name === 'anthropic_messages') assert.equal(last.event, 'error', 'Anthropic: an error event ends the stream');
  return errorMessageOf(format, JSON.parse(last.data));
}
