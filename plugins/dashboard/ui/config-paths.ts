/**
 * Where a validation problem sits in the HuJSON text. Core reports every problem with a path:
 * `config/providers/openai/baseurl` (a core section), `plugins.webhook/hooks/oso/url` (a
 * section a plugin owns), `plugins.oso/apiKey` (a plugin's options inside `"plugins"`),
 * `plugins.oso` (a plugin entry), `config@12:5` (a syntax error at line:column), or a plain
 * JSON pointer (`/hooks/oso/url`). Segments are JSON-pointer escaped (`~1` is `/`).
 *
 * Pure (no DOM): the browser app and the tests use it alike.
 */
import { type Node, parseTree } from 'jsonc-parser';

/** A range of the text, as offsets. */
export interface TextRange {
  /** Start offset. */
  readonly from: number;
  /** End offset (exclusive; at least `from + 1` unless the text is empty). */
  readonly to: number;
  /** True when the exact path was found; false when this is the nearest enclosing value. */
  readonly exact: boolean;
}

/** Offset of a 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

/** Decodes one JSON-pointer segment. */
function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The child of an object (by key) or array (by index) node. */
function child(node: Node, segment: string): Node | undefined {
  if (node.type === 'object') {
    // The last property wins, as when the config is loaded.
    const props = (node.children ?? []).filter((p) => p.children?.[0]?.value === segment);
    return props[props.length - 1]?.children?.[1];
  }
  if (node.type === 'array' && /^\d+$/.test(segment)) return node.children?.[Number(segment)];
  return undefined;
}

/** Walks `segments` from `node`: the node reached, or the deepest one on the way and false. */
function walk(node: Node, segments: readonly string[]): { node: Node; exact: boolean } {
  let at = node;
  for (const s of segments) {
    const next = child(at, s);
    if (next === undefined) return { node: at, exact: false };
    at = next;
  }
  return { node: at, exact: true };
}

/** The range to mark for a node: a scalar itself, a container by its key (or its first line). */
function rangeOf(text: string, node: Node, exact: boolean): TextRange {
  const property = node.parent?.type === 'property' ? node.parent : undefined;
  const key = property?.children?.[0];
  if ((node.type === 'object' || node.type === 'array') && key !== undefined) return { from: key.offset, to: key.offset + key.length, exact };
  if (node.type === 'object' || node.type === 'array') {
    const eol = text.indexOf('\n', node.offset);
    return { from: node.offset, to: eol === -1 || eol > node.offset + node.length ? node.offset + node.length : Math.max(eol, node.offset + 1), exact };
  }
  return { from: property && key ? key.offset : node.offset, to: node.offset + Math.max(1, node.length), exact };
}

/** The entry of plugin `name` in the `plugins` array (`"name"` or `["name", {...}]`). */
function pluginEntry(root: Node, name: string): Node | undefined {
  const plugins = child(root, 'plugins');
  return plugins?.children?.find((e) => (e.type === 'string' && e.value === name) || (e.type === 'array' && e.children?.[0]?.value === name));
}

/**
 * The text range a problem's `path` refers to, or `undefined` when the text cannot be parsed
 * far enough or the path names nothing in it (the problem is then shown without a position).
 */
export function locateProblem(text: string, path: string): TextRange | undefined {
  const at = /@(\d+):(\d+)$/.exec(path);
  if (at !== null) {
    const from = offsetOf(text, Number(at[1]), Number(at[2]));
    return { from, to: Math.min(text.length, from + 1), exact: true };
  }
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (root === undefined) return undefined;
  const segments = path.split('/').map(unescapeSegment);
  const owner = segments.shift() ?? '';
  if (owner === '' || owner === 'config') {
    const { node, exact } = walk(root, segments);
    return rangeOf(text, node, exact);
  }
  const plugin = /^plugins\.(.+)$/.exec(owner)?.[1];
  if (plugin === undefined) return undefined;
  // A section the plugin owns (`plugins.webhook/hooks/...`) is a top-level key of the document.
  if (segments.length > 0 && child(root, segments[0]!) !== undefined) {
    const { node, exact } = walk(root, segments);
    return rangeOf(text, node, exact);
  }
  const entry = pluginEntry(root, plugin);
  if (entry === undefined) return undefined;
  if (segments.length === 0) return rangeOf(text, entry, true);
  const options = entry.type === 'array' ? entry.children?.[1] : undefined;
  if (options === undefined) return rangeOf(text, entry, false);
  const { node, exact } = walk(options, segments);
  return rangeOf(text, node, exact);
}
