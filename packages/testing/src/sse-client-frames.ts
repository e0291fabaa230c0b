/** One SSE frame as a client reads it. */
export interface SseClientFrame {
  /** Its `event:` name, if any. */
  readonly event: string | undefined;
  /** Its `data:` lines joined with `\n` (one leading space of each removed). */
  readonly data: string;
}

/**
 * Splits the SSE text a client received into frames (LF or CRLF line breaks), the way SDK
 * clients read them: `event` and `data` fields only, frames without either skipped.
 */
export function parseSseClientFrames(text: string): SseClientFrame[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((f) => f.trim() !== '')
    .map((frame) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of frame.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });
}
