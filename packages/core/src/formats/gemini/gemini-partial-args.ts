import { asObject } from '../content-text.js';

/** Largest array index a streamed argument path may use (guards against huge sparse arrays). */
export const MAX_PARTIAL_ARG_INDEX = 10_000;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a Vertex AI argument path (`$.recipe.ingredients[3].amount`, `$['a b'][0]`) into
 * segments; `undefined` when it is not such a path or names a forbidden key.
 */
export function parseArgPath(path: string): Array<string | number> | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: Array<string | number> = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (m === null) return undefined;
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const num = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(['"])((?:\\.|(?!\1).)*)\1\]/.exec(rest);
      if (num !== null) {
        const n = Number(num[1]);
        if (n > MAX_PARTIAL_ARG_INDEX) return undefined;
        segments.push(n);
        i += num[0].length;
      } else if (quoted !== null) {
        segments.push((quoted[2] as string).replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else return undefined;
    } else return undefined;
  }
  return segments.some((s) => typeof s === 'string' && FORBIDDEN_KEYS.has(s)) ? undefined : segments;
}

/** Fills an array with `null` up to `index`, so that no sparse array escapes. */
function fillHoles(holder: Record<string | number, unknown>, index: string | number): void {
  if (!Array.isArray(holder) || typeof index !== 'number') return;
  for (let i = holder.length; i < index; i++) holder.push(null);
}

/** The value a partial argument carries, and whether it is a string fragment. */
function valueOf(arg: Record<string, unknown>): { value: unknown; fragment: boolean } | undefined {
  if (typeof arg.stringValue === 'string') return { value: arg.stringValue, fragment: true };
  if ('numberValue' in arg) return { value: arg.numberValue, fragment: false };
  if ('boolValue' in arg) return { value: arg.boolValue, fragment: false };
  if ('nullValue' in arg) return { value: null, fragment: false };
  if ('structValue' in arg) return { value: arg.structValue, fragment: false };
  if ('listValue' in arg) return { value: arg.listValue, fragment: false };
  return undefined;
}

/**
 * Applies Vertex AI streamed function-call arguments (`functionCall.partialArgs`) to `args`:
 * each sets the value at its JSONPath, creating objects and arrays on the way; string
 * fragments for a path that already holds a string are appended (a trailing `""` closes the
 * string and changes nothing). Fragments with an unusable path are ignored.
 */
export function applyPartialArgs(args: Record<string, unknown>, partialArgs: readonly unknown[]): void {
  for (const raw of partialArgs) {
    const arg = asObject(raw);
    if (arg === undefined || typeof arg.jsonPath !== 'string') continue;
    const path = parseArgPath(arg.jsonPath);
    const v = valueOf(arg);
    if (path === undefined || path.length === 0 || v === undefined) continue;
    let holder: Record<string | number, unknown> = args;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i] as string | number;
      const nextIsIndex = typeof path[i + 1] === 'number';
      fillHoles(holder, seg);
      let next = holder[seg];
      if (next === null || typeof next !== 'object' || Array.isArray(next) !== nextIsIndex) {
        next = nextIsIndex ? [] : {};
        holder[seg] = next;
      }
      holder = next as Record<string | number, unknown>;
    }
    const last = path[path.length - 1] as string | number;
    fillHoles(holder, last);
    const current = holder[last];
    holder[last] = v.fragment && typeof current === 'string' ? current + (v.value as string) : v.value;
  }
}
