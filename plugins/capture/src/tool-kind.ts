import type { ToolCall } from '@tollgate/core';

/**
 * The kind of a tool call (`function`, `computer`, `shell`, `custom`, ...). Core's `ToolCall`
 * gains a `kind` field; until then (and for calls without one) it is `function`.
 */
export function toolKindOf(call: ToolCall): string {
  const kind = (call as ToolCall & { readonly kind?: unknown }).kind;
  return typeof kind === 'string' && kind !== '' ? kind : 'function';
}
