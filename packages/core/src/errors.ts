/** Codes of every error core throws. Assert on these, never on messages. */
export type TollgateErrorCode =
  | 'TG_ERR_CONFIG_INVALID'
  | 'TG_ERR_CONFIG_READ'
  | 'TG_ERR_PLUGIN_CONFIG'
  | 'TG_ERR_PLUGIN_NOT_FOUND'
  | 'TG_ERR_PLUGIN_INVALID'
  | 'TG_ERR_PLUGIN'
  | 'TG_ERR_PLUGIN_VERSION_MISMATCH'
  | 'TG_ERR_PLUGIN_DEPENDENCY'
  | 'TG_ERR_FORMAT_CONFLICT'
  | 'TG_ERR_GATEWAY_STATE'
  | (string & {});

const BRAND = Symbol.for('tollgate.error');

/** Options accepted by {@link TollgateError}. */
export interface TollgateErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
  /** HTTP status, when the error reaches a client. */
  statusCode?: number;
}

/**
 * Base class of every error tollgate core throws: a stable `code`, an optional HTTP `statusCode`
 * and the wrapped `cause`. Branded with `Symbol.for('tollgate.error')` so that
 * `instanceof` also works across two copies of core in one process.
 */
export class TollgateError extends Error {
  /** Stable machine-readable code (`TG_ERR_*`). */
  readonly code: TollgateErrorCode;
  /** HTTP status where this error reaches a client. */
  readonly statusCode: number | undefined;

  constructor(code: TollgateErrorCode, message: string, options: TollgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.statusCode = options.statusCode;
  }

  /**
   * `instanceof TollgateError` is true for any tollgate error, whichever copy of core created
   * it; subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== TollgateError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** True when `value` is a tollgate error with the given code. */
  static is(value: unknown, code?: TollgateErrorCode): value is TollgateError {
    return value instanceof TollgateError && (code === undefined || value.code === code);
  }
}
Object.defineProperty(TollgateError.prototype, BRAND, { value: true });

/** Error raised when a plugin's tap throws; names the plugin and the hook. */
export class PluginHookError extends TollgateError {
  /** Tap (plugin) name. */
  readonly plugin: string;
  /** Hook name, e.g. `onRequest`. */
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('TG_ERR_PLUGIN', `plugin "${plugin}" failed in hook ${hook}: ${reason}`, { cause, statusCode: 500 });
    this.name = 'PluginHookError';
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** Returns the message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
