import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { PluginHookError } from '../errors.js';
import type { TollgateHooks } from './create-hooks.js';

/** Per-tap call statistics collected by the interceptor. */
export interface TapStats {
  /** Calls made. */
  calls: number;
  /** Calls that threw or rejected. */
  errors: number;
  /** Total time spent, in milliseconds. */
  totalMs: number;
  /** Slowest call, in milliseconds. */
  maxMs: number;
}

/** Statistics keyed by `hook/tap`. */
export type TapStatsTable = Map<string, TapStats>;

interface FullTapLike {
  name: string;
  type: 'sync' | 'async' | 'promise';
  fn: (...args: unknown[]) => unknown;
}

/** Hooks whose tap errors are logged and swallowed (observers never reach the client). */
const OBSERVER_HOOKS = new Set(['onResponse']);

/**
 * Installs one `register` interceptor on every hook: each tap is timed (stats per hook and
 * tap) and its errors are wrapped in {@link PluginHookError} naming the plugin and the hook.
 * For observer hooks (`onResponse`) a failing tap is logged and does not affect the others.
 */
export function interceptTaps(hooks: TollgateHooks, logger: Logger, stats: TapStatsTable = new Map()): TapStatsTable {
  for (const [hookName, hook] of Object.entries(hooks) as [string, { intercept(i: object): void }][]) {
    const observer = OBSERVER_HOOKS.has(hookName);
    hook.intercept({
      register: (tap: FullTapLike) => {
        const key = `${hookName}/${tap.name}`;
        const stat: TapStats = stats.get(key) ?? { calls: 0, errors: 0, totalMs: 0, maxMs: 0 };
        stats.set(key, stat);
        const record = (start: number, failed: boolean): void => {
          const ms = performance.now() - start;
          stat.calls++;
          stat.totalMs += ms;
          if (ms > stat.maxMs) stat.maxMs = ms;
          if (failed) stat.errors++;
        };
        const fail = (err: unknown): PluginHookError | undefined => {
          const wrapped = err instanceof PluginHookError ? err : new PluginHookError(tap.name, hookName, err);
          if (observer) {
            logger.error({ err: wrapped, plugin: tap.name, hook: hookName }, 'observer failed');
            return undefined;
          }
          return wrapped;
        };
        const original = tap.fn;
        if (tap.type === 'promise') {
          tap.fn = (...args: unknown[]) => {
            const start = performance.now();
            let result: unknown;
            try {
              result = original(...args);
            } catch (err) {
              record(start, true);
              const wrapped = fail(err);
              return wrapped === undefined ? Promise.resolve() : Promise.reject(wrapped);
            }
            return Promise.resolve(result).then(
              (value) => {
                record(start, false);
                return value;
              },
              (err: unknown) => {
                record(start, true);
                const wrapped = fail(err);
                if (wrapped === undefined) return undefined;
                throw wrapped;
              },
            );
          };
        } else if (tap.type === 'sync') {
          tap.fn = (...args: unknown[]) => {
            const start = performance.now();
            try {
              const value = original(...args);
              record(start, false);
              return value;
            } catch (err) {
              record(start, true);
              const wrapped = fail(err);
              if (wrapped === undefined) return undefined;
              throw wrapped;
            }
          };
        } else {
          tap.fn = (...args: unknown[]) => {
            const start = performance.now();
            const callback = args.pop() as (err?: unknown, value?: unknown) => void;
            let done = false;
            const finish = (err?: unknown, value?: unknown): void => {
              if (done) return;
              done = true;
              record(start, Boolean(err));
              if (err) {
                const wrapped = fail(err);
                callback(wrapped ?? null, undefined);
              } else callback(null, value);
            };
            try {
              original(...args, finish);
            } catch (err) {
              finish(err);
            }
          };
        }
        return tap;
      },
    });
  }
  return stats;
}
