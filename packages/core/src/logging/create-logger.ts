import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { SecretRegistry } from '../config/secret-registry.js';
import { BatchedDestination } from './batched-destination.js';

/** Paths pino redacts in every log line (credentials in headers, keys in objects). */
export const REDACT_PATHS: readonly string[] = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'apikey',
  'apiKey',
  'credential',
  '*.apikey',
  '*.apiKey',
  '*.credential',
  '*.signing_secret',
  '*.authorization',
];

/**
 * Characters of log lines the default destination collects before it writes them (one `write(2)`
 * for several lines; see {@link BatchedDestination}). Below `PIPE_BUF`, so a batch of ASCII lines
 * is still written to a pipe in one piece.
 */
export const LOG_BATCH_CHARS = 4096;

/** Longest time a line waits in the default destination's buffer before it is written (ms). */
export const LOG_FLUSH_INTERVAL_MS = 100;

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** pino level (default `info`). */
  readonly level?: string;
  /** Secrets scrubbed from every line, whatever field they hide in. */
  readonly secrets?: SecretRegistry;
  /** Where lines go (default: asynchronous stdout). */
  readonly destination?: DestinationStream;
  /** Extra base bindings. */
  readonly base?: Record<string, unknown>;
}

/**
 * Creates the root logger: JSON lines, field redaction of credentials, and a final scrub of
 * every registered secret from the serialised line. Default destination is an asynchronous
 * stdout stream (logging never blocks the event loop) written in batches: once
 * {@link LOG_BATCH_CHARS} have collected, else {@link LOG_FLUSH_INTERVAL_MS} after the first
 * line of a batch. Pending lines are written when the process exits and by `logger.flush()`,
 * which the gateway calls on shutdown; a process killed with SIGKILL loses them.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = options.secrets;
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { name: 'tollgate', ...options.base },
    redact: { paths: [...REDACT_PATHS], censor: '***' },
    hooks: secrets === undefined ? {} : { streamWrite: (line: string) => secrets.scrub(line) },
  };
  return pino(pinoOptions, options.destination ?? new BatchedDestination({ fd: 1, batchChars: LOG_BATCH_CHARS, intervalMs: LOG_FLUSH_INTERVAL_MS }));
}
