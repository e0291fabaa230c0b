import { Writable } from 'node:stream';

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/**
 * A pino destination that keeps every line: give `capture.stream` as `logDestination`, then
 * read `capture.lines` (parsed) or `capture.text` (raw, for secret scans).
 */
export class LogCapture {
  /** Raw lines in order. */
  readonly raw: string[] = [];
  /** The writable to hand to pino. */
  readonly stream: Writable;

  constructor() {
    let pending = '';
    this.stream = new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        pending += chunk.toString();
        let nl = pending.indexOf('\n');
        while (nl !== -1) {
          this.raw.push(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
        }
        cb();
      },
    });
  }

  /** Every line, parsed. */
  get lines(): LogLine[] {
    return this.raw.map((l) => JSON.parse(l) as LogLine);
  }

  /** All output as one string. */
  get text(): string {
    return this.raw.join('\n');
  }

  /** Lines whose `msg` equals `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  /** The access lines (`request completed`). */
  get access(): LogLine[] {
    return this.withMessage('request completed');
  }
}
