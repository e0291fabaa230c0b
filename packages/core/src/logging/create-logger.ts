import { createRequire } from 'node:module';
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
  /** Extra base bindings (`{ worker: 2 }` in a `--workers` process). */
  readonly base?: Record<string, unknown>;
  /**
   * `json`: one JSON object per line; `pretty`: coloured, human-readable lines through
   * `pino-pretty` (for a terminal). Default: `pretty` when stdout is a TTY and no `destination` is
   * given, else `json`.
   */
  readonly format?: LogFormat;
}

/** How log lines are written. */
export type LogFormat = 'json' | 'pretty';

/** The log format used when the config does not say: pretty in a terminal, JSON otherwise. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY === true ? 'pretty' : 'json';
}

/** A pino-pretty stream to stdout (loaded only when pretty logs are asked for). */
function prettyStdout(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({ colorize: process.stdout.isTTY === true && process.env.NO_COLOR === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true, sync: false });
}

/**
 * Creates the root logger: JSON lines (or pretty ones, see {@link CreateLoggerOptions.format}), field redaction of credentials, and a final scrub of
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
    // pid identifies the process (and `worker` a --workers worker); no hostname or name on every line.
    base: { pid: process.pid, ...options.base },
    redact: { paths: [...REDACT_PATHS], censor: '***' },
    hooks: secrets === undefined ? {} : { streamWrite: (line: string) => secrets.scrub(line) },
  };
  const format = options.format ?? (options.destination === undefined ? defaultLogFormat() : 'json');
  const destination = options.destination ?? (format === 'pretty' ? prettyStdout() : new BatchedDestination({ fd: 1, batchChars: LOG_BATCH_CHARS, intervalMs: LOG_FLUSH_INTERVAL_MS }));
  return pino(pinoOptions, destination);
}
