import { createHash } from 'node:crypto';
import type { FormatAdapter } from '../../formats/format-adapter.js';
import { asObject } from '../../formats/content-text.js';
import type { JsonObject } from '../../types/json.js';
import type { DeclaredTool } from '../../types/tool-call.js';
import type { MockPlan } from './mock-renderer.js';

/** The fixed `created` timestamp of mock responses. */
export const MOCK_CREATED = 1_750_000_000;

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Picks the tool to call: the first whose name the user message mentions, else the first. */
function pickTool(tools: readonly DeclaredTool[], message: string): DeclaredTool {
  const lower = message.toLowerCase();
  return tools.find((t) => lower.includes(t.name.toLowerCase())) ?? (tools[0] as DeclaredTool);
}

/** Arguments for a tool from its JSON schema: the user message in the first string property. */
export function mockArguments(tool: DeclaredTool, message: string): Record<string, unknown> {
  const schema = asObject(tool.parameters);
  const props = asObject(schema?.properties) ?? {};
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  const args: Record<string, unknown> = {};
  const names = Object.keys(props);
  const textProp = names.find((n) => required.has(n) && asObject(props[n])?.type === 'string') ?? names.find((n) => asObject(props[n])?.type === 'string');
  for (const name of names) {
    const p = asObject(props[name]) ?? {};
    if (name === textProp) args[name] = message;
    else if (!required.has(name)) continue;
    else if (Array.isArray(p.enum) && p.enum.length > 0) args[name] = p.enum[0];
    else if (p.type === 'integer' || p.type === 'number') args[name] = 1;
    else if (p.type === 'boolean') args[name] = false;
    else if (p.type === 'array') args[name] = [];
    else if (p.type === 'object') args[name] = {};
    else args[name] = message;
  }
  return args;
}

/**
 * Decides what the mock LLM answers: when the request declares tools and the last turn is not
 * a tool result, one call to the tool the user names (or the first tool), with the user's
 * message as its main string argument; otherwise a short text answer. Same request, same
 * answer.
 */
export function planMockResponse(format: FormatAdapter, body: JsonObject, model: string): MockPlan {
  const message = format.userMessage(body);
  const tools = format.declaredTools(body);
  const id = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24);
  const input = tokens(JSON.stringify(body));
  if (tools.length > 0 && !format.lastTurnIsToolResult(body)) {
    const tool = pickTool(tools, message);
    const args = JSON.stringify(mockArguments(tool, message));
    return { id, model, created: MOCK_CREATED, toolCalls: [{ id: `call_mock_${id.slice(0, 16)}`, name: tool.name, arguments: args }], usage: { input, output: tokens(args) + 5 } };
  }
  const text = format.lastTurnIsToolResult(body)
    ? 'The tool finished. This is the mock model of tollgate: configure a real provider to get real answers.'
    : `This is the mock model of tollgate answering: "${message.slice(0, 200)}". Configure a real provider to get real answers.`;
  return { id, model, created: MOCK_CREATED, text, toolCalls: [], usage: { input, output: tokens(text) } };
}
