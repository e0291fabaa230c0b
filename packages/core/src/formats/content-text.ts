/**
 * Extracts the text of a message `content` in any of the common shapes: a string, an array of
 * parts with `text` (OpenAI `text`/`input_text`/`output_text`, Anthropic `text`), or Gemini
 * `parts`. Non-text parts (images, files, tool results) are skipped; texts are joined by `\n`.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (part !== null && typeof part === 'object') {
      const p = part as Record<string, unknown>;
      if (typeof p.text === 'string' && (p.type === undefined || p.type === 'text' || p.type === 'input_text' || p.type === 'output_text')) {
        if (p.thought !== true) texts.push(p.text);
      }
    }
  }
  return texts.join('\n');
}

/** Returns `value` as a plain object, or `undefined`. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Returns `value` as an array (empty when it is not one). */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Returns `value` as a finite number, else 0. */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
