import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { SecretRegistry } from '../config/secret-registry.js';

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
 * stdout stream (logging never blocks the event loop); call `logger.flush()` on shutdown.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = options.secrets;
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { name: 'tollgate', ...options.base },
    redact: { paths: [...REDACT_PATHS], censor: '***' },
    hooks: secrets === undefined ? {} : { streamWrite: (line: string) => secrets.scrub(line) },
  };
  return pino(pinoOptions, options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 }));
}
