import { isDeepStrictEqual } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import type { TollgatePlugin } from '@tollgate/core';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import type { FormatCase } from './formats.js';

/** A tool call as a client assembled it, or as `onToolCall` was asked about it. */
export interface SeenCall {
  readonly kind: string;
  readonly name: string;
  readonly params: unknown;
}

/** A decision the recorder made. */
export interface RecordedDecision extends SeenCall {
  readonly outcome: 'allowed' | 'stripped';
}

/** Names the recording policy strips (so that the property also covers strips). */
export const STRIPPED_PREFIX = 'strip_';

/** An `onToolCall` tap that records every call it is asked about and strips names starting with {@link STRIPPED_PREFIX}. */
export function recordingPolicy(): TollgatePlugin & { readonly decided: RecordedDecision[] } {
  const decided: RecordedDecision[] = [];
  return {
    name: 'recorder',
    decided,
    apply: (host) =>
      host.hooks.onToolCall.tap('recorder', ({ call }) => {
        const strip = call.name.startsWith(STRIPPED_PREFIX);
        decided.push({ kind: call.kind, name: call.name, params: structuredClone(call.params), outcome: strip ? 'stripped' : 'allowed' });
        return strip ? { action: 'strip', message: 'not this one' } : undefined;
      }),
  };
}

/** What the official SDK made of the gateway's answer. */
export interface ClientView {
  /** The tool calls it hands the application. */
  readonly calls: SeenCall[];
  /** True when it threw (the gateway refused the answer, or the answer was not usable). */
  readonly failed: boolean;
  /** The error, when it threw. */
  readonly error?: unknown;
}

function parsedArguments(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { unparseable: text };
  }
}

/** The calls of an OpenAI chat completion as an application reads them. */
function chatCalls(completion: any): SeenCall[] {
  const calls: SeenCall[] = [];
  for (const choice of completion?.choices ?? []) {
    const message = choice?.message;
    for (const tc of message?.tool_calls ?? []) {
      if (tc === undefined || tc === null) continue;
      if (tc.type === 'custom') calls.push({ kind: 'custom', name: tc.custom?.name, params: { input: tc.custom?.input } });
      else calls.push({ kind: 'function', name: tc.function?.name, params: parsedArguments(tc.function?.arguments) });
    }
    if (message?.function_call) calls.push({ kind: 'function', name: message.function_call.name, params: parsedArguments(message.function_call.arguments) });
  }
  return calls;
}

/** The calls of a Responses output item list as an application (or the AI SDK, Codex) runs them. */
export function responsesCalls(items: readonly any[]): SeenCall[] {
  const calls: SeenCall[] = [];
  for (const item of items) {
    switch (item?.type) {
      case 'function_call':
        calls.push({ kind: 'function', name: item.name, params: parsedArguments(item.arguments) });
        break;
      case 'custom_tool_call':
        calls.push({ kind: 'custom', name: item.name, params: { input: item.input } });
        break;
      case 'local_shell_call':
        calls.push({ kind: 'local_shell', name: 'local_shell', params: item.action ?? {} });
        break;
      case 'shell_call':
        calls.push({ kind: 'shell', name: 'shell', params: item.action ?? {} });
        break;
      case 'apply_patch_call':
        calls.push({ kind: 'apply_patch', name: 'apply_patch', params: item.operation ?? {} });
        break;
      case 'computer_call':
        calls.push({ kind: 'computer', name: 'computer', params: item.action ?? {} });
        break;
      case 'mcp_approval_request':
        calls.push({ kind: 'mcp_approval', name: item.name, params: parsedArguments(item.arguments) });
        break;
      default:
        break;
    }
  }
  return calls;
}

async function view(run: () => Promise<SeenCall[]>): Promise<ClientView> {
  try {
    return { calls: await run(), failed: false };
  } catch (error) {
    return { calls: [], failed: true, error };
  }
}

/** Reads the gateway's answer to one request with the official SDK of `format`. */
export function readWithSdk(format: FormatCase['name'], gatewayUrl: string, stream: boolean): Promise<ClientView> {
  switch (format) {
    case 'openai_chat': {
      const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const body = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'go' }] };
      if (!stream) return view(async () => chatCalls(await client.chat.completions.create(body)));
      return view(async () => chatCalls(await client.chat.completions.stream({ ...body, stream: true }).finalChatCompletion()));
    }
    case 'openai_responses': {
      const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const body = { model: 'gpt-5', input: 'go' };
      if (!stream) return view(async () => responsesCalls((await client.responses.create(body)).output));
      return view(async () => {
        const s = client.responses.stream(body);
        // The item events are what the AI SDK and Codex run; the final response is what the SDK hands out.
        const done: any[] = [];
        s.on('response.output_item.done', (e) => done.push(e.item));
        const final = await s.finalResponse();
        return [...responsesCalls(done), ...responsesCalls(final.output)];
      });
    }
    case 'anthropic_messages': {
      const client = new Anthropic({ baseURL: gatewayUrl, apiKey: 'client-key', maxRetries: 0 });
      const body = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'go' }] };
      const calls = (message: Anthropic.Message): SeenCall[] => message.content.filter((b) => b.type === 'tool_use').map((b: any) => ({ kind: 'function', name: b.name, params: b.input }));
      if (!stream) return view(async () => calls(await client.messages.create(body)));
      return view(async () => calls(await client.messages.stream(body).finalMessage()));
    }
    case 'gemini': {
      const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: gatewayUrl, retryOptions: { attempts: 1 } } });
      const params = { model: 'gemini-2.5-flash', contents: 'go' };
      const calls = (fcs: readonly any[] | undefined): SeenCall[] => (fcs ?? []).map((fc) => ({ kind: 'function', name: fc.name, params: fc.args ?? {} }));
      if (!stream) return view(async () => calls((await ai.models.generateContent(params)).functionCalls));
      return view(async () => {
        const out: SeenCall[] = [];
        for await (const chunk of await ai.models.generateContentStream(params)) out.push(...calls(chunk.functionCalls));
        return out;
      });
    }
  }
}

/**
 * The property: every call the client assembled was decided by `onToolCall` with the same kind,
 * name and params, and allowed (a stripped call never reaches the client). Returns the violations.
 */
export function undecidedCalls(client: ClientView, decided: readonly RecordedDecision[]): SeenCall[] {
  return client.calls.filter((c) => !decided.some((d) => d.outcome === 'allowed' && d.kind === c.kind && d.name === c.name && isDeepStrictEqual(d.params, c.params)));
}
