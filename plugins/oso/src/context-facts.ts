import type { ContextFactTemplate, FactArgTemplate } from './schema.js';
import type { OsoEntity, OsoFact } from './types.js';

/** What context facts are built from. */
export interface FactInput {
  /** The actor of the check. */
  readonly actor: OsoEntity;
  /** The tool as an entity (`Tool:delete_file`); absent for a `list` (tool filter). */
  readonly resource?: OsoEntity;
  /** The request. */
  readonly request: {
    readonly model: string;
    readonly stream: boolean;
    readonly identity: { readonly login: string };
    readonly provider: { readonly id: string };
    readonly format: { readonly name: string };
  };
  /** The tool call's arguments; absent before the model called (tool filter). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The facts of one check. */
export interface BuiltFacts {
  /** Facts to send (at most `max_context_facts`). */
  readonly facts: OsoFact[];
  /** Facts left out because of the limit. */
  readonly dropped: number;
}

/** Placeholders and what they stand for. */
export const FACT_PLACEHOLDERS: Readonly<Record<string, string>> = Object.freeze({
  actor: 'the actor entity (User:alice@example.com)',
  resource: 'the tool entity (Tool:delete_file)',
  tool: 'the tool entity (same as {resource})',
  tool_name: 'the tool name (String)',
  model: 'the model sent upstream (String)',
  provider: 'the provider id (String)',
  format: 'the client API format, e.g. openai_chat (String)',
  login: "the caller's login (String)",
  streaming: 'whether the response is streamed (Boolean)',
  'param.<path>': 'a tool-call argument (String, Integer or Boolean; arrays give one fact per element)',
});

const PLACEHOLDER = /\{([A-Za-z_]+(?:\.[^{}]*)?)\}/g;
const HAS_PLACEHOLDER = /\{([A-Za-z_]+(?:\.[^{}]*)?)\}/;

/** Placeholders that depend on the tool or the call (a `list` cannot fill them). */
const TOOL_SPECIFIC = new Set(['resource', 'tool', 'tool_name']);

type Producer = (input: FactInput) => OsoEntity[] | undefined;

function isKnown(name: string): boolean {
  return name.startsWith('param.') ? name.length > 'param.'.length : name in FACT_PLACEHOLDERS && name !== 'param.<path>';
}

function lookup(params: Readonly<Record<string, unknown>> | undefined, path: string): unknown {
  let value: unknown = params;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A JSON value as Oso primitives: strings, safe integers and booleans typed; other numbers as String; arrays expanded. */
function primitives(value: unknown): OsoEntity[] | undefined {
  if (typeof value === 'string') return value === '' ? undefined : [{ type: 'String', id: value }];
  if (typeof value === 'boolean') return [{ type: 'Boolean', id: String(value) }];
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return [{ type: 'Integer', id: String(value) }];
    return Number.isFinite(value) ? [{ type: 'String', id: String(value) }] : undefined;
  }
  if (Array.isArray(value)) {
    const out = value.flatMap((v) => (Array.isArray(v) ? [] : (primitives(v) ?? [])));
    return out.length > 0 ? out : undefined;
  }
  return undefined;
}

/** The value(s) of one placeholder. */
function resolvePlaceholder(name: string, input: FactInput): OsoEntity[] | undefined {
  switch (name) {
    case 'actor':
      return [input.actor];
    case 'resource':
    case 'tool':
      return input.resource === undefined ? undefined : [input.resource];
    case 'tool_name':
      return input.resource === undefined ? undefined : [{ type: 'String', id: input.resource.id }];
    case 'model':
      return primitives(input.request.model);
    case 'provider':
      return primitives(input.request.provider.id);
    case 'format':
      return primitives(input.request.format.name);
    case 'login':
      return primitives(input.request.identity.login);
    case 'streaming':
      return primitives(input.request.stream);
    default:
      return input.params === undefined ? undefined : primitives(lookup(input.params, name.slice('param.'.length)));
  }
}

function compileString(text: string): Producer {
  const whole = /^\{([A-Za-z_]+(?:\.[^{}]*)?)\}$/.exec(text);
  if (whole !== null) {
    const name = whole[1] as string;
    return (input) => resolvePlaceholder(name, input);
  }
  if (!HAS_PLACEHOLDER.test(text)) {
    const literal: OsoEntity[] = [{ type: 'String', id: text }];
    return () => literal;
  }
  return (input) => {
    let missing = false;
    const id = text.replace(PLACEHOLDER, (_, name: string) => {
      const values = resolvePlaceholder(name, input);
      if (values === undefined || values.length !== 1) {
        missing = true;
        return '';
      }
      const v = values[0] as OsoEntity;
      return ['String', 'Integer', 'Boolean'].includes(v.type) ? v.id : `${v.type}:${v.id}`;
    });
    return missing || id === '' ? undefined : [{ type: 'String', id }];
  };
}

function compileArg(arg: FactArgTemplate): Producer {
  if (typeof arg === 'string') return compileString(arg);
  if (typeof arg === 'boolean') {
    const v: OsoEntity[] = [{ type: 'Boolean', id: String(arg) }];
    return () => v;
  }
  if (typeof arg === 'number') {
    const v: OsoEntity[] = [{ type: 'Integer', id: String(arg) }];
    return () => v;
  }
  const id = compileString(arg.id);
  return (input) => {
    const ids = id(input);
    return ids?.map((v) => ({ type: arg.type, id: v.id }));
  };
}

function placeholdersOf(template: ContextFactTemplate): string[] {
  const out: string[] = [];
  for (const arg of template.args) {
    const text = typeof arg === 'string' ? arg : typeof arg === 'object' ? arg.id : '';
    for (const m of text.matchAll(PLACEHOLDER)) out.push(m[1] as string);
  }
  return out;
}

/** Problems with context-fact templates (unknown placeholders), as messages keyed by template index. */
export function contextFactIssues(templates: readonly ContextFactTemplate[]): Array<{ readonly index: number; readonly message: string }> {
  const out: Array<{ index: number; message: string }> = [];
  templates.forEach((t, index) => {
    for (const name of placeholdersOf(t)) {
      if (!isKnown(name)) out.push({ index, message: `unknown placeholder "{${name}}" (known: ${Object.keys(FACT_PLACEHOLDERS).map((k) => `{${k}}`).join(', ')})` });
    }
  });
  return out;
}

/**
 * Builds the context facts of a check from the configured templates: each placeholder is filled
 * from the call (`{model}` → `{"type":"String","id":"gpt-5"}`, `{param.path}` → typed by its
 * JSON type); a fact whose value is missing (a parameter the call does not have, a tool before
 * the model called) is left out; array parameters give one fact per element. At most `max`
 * facts are sent, in template order.
 */
export class ContextFactBuilder {
  readonly #templates: ReadonlyArray<{ readonly predicate: string; readonly args: readonly Producer[] }>;
  readonly #max: number;
  /** True when no template depends on the tool or the call's arguments (facts are the same for every tool of a request). */
  readonly callIndependent: boolean;

  constructor(templates: readonly ContextFactTemplate[], max: number) {
    this.#templates = templates.map((t) => ({ predicate: t.predicate, args: t.args.map(compileArg) }));
    this.#max = max;
    this.callIndependent = templates.every((t) => placeholdersOf(t).every((n) => !TOOL_SPECIFIC.has(n) && !n.startsWith('param.')));
  }

  /** The facts for one check. */
  build(input: FactInput): BuiltFacts {
    const facts: OsoFact[] = [];
    let dropped = 0;
    for (const t of this.#templates) {
      const columns: OsoEntity[][] = [];
      let missing = false;
      for (const produce of t.args) {
        const values = produce(input);
        if (values === undefined || values.length === 0) {
          missing = true;
          break;
        }
        columns.push(values);
      }
      if (missing) continue;
      const room = this.#max - facts.length;
      const total = columns.reduce((n, c) => n * c.length, 1);
      for (const args of product(columns, room)) facts.push({ predicate: t.predicate, args });
      dropped += total - Math.min(total, room);
    }
    return { facts, dropped };
  }
}

/** The first `limit` combinations of one value per column, in order (one when no column has several). */
function product(columns: readonly OsoEntity[][], limit: number): OsoEntity[][] {
  let rows: OsoEntity[][] = [[]];
  for (const column of columns) rows = rows.flatMap((row) => column.map((v) => [...row, v])).slice(0, Math.max(0, limit));
  return rows;
}
