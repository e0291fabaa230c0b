import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { PluginHookError } from '../errors.js';
import type { Denial } from '../types/denial.js';
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
const OBSERVER_HOOKS = new Set(['settle', 'onResponse']);

/** Hooks whose taps return a {@link Denial}; one without `by` is credited to the tap. */
const DENIAL_HOOKS = new Set(['onRequest', 'onToolCall']);

/** Returns `value` with `by` set to `tap` when it is a Denial that does not say who denied. */
function credit(value: unknown, tap: string): unknown {
  if (value === null || typeof value !== 'object' || typeof (value as Denial).message !== 'string' || (value as Denial).by !== undefined) return value;
  return { ...(value as Denial), by: tap };
}

/**
 * Installs one `register` interceptor on every hook: each tap is timed (stats per hook and
 * tap) and its errors are wrapped in {@link PluginHookError} naming the plugin and the hook.
 * For observer hooks (`onResponse`) a failing tap is logged and does not affect the others. A
 * Denial returned by an `onRequest`/`onToolCall` tap without `by` gets the tap's name. `isUsed()`
 * keeps meaning "has taps" (tapable would otherwise count this interceptor as a use).
 */
export function interceptTaps(hooks: TollgateHooks, logger: Logger, stats: TapStatsTable = new Map()): TapStatsTable {
  for (const [hookName, hook] of Object.entries(hooks) as [string, { intercept(i: object): void; isUsed(): boolean; readonly taps: readonly unknown[] }][]) {
    // tapable counts any interceptor as use; this one only wraps taps at registration and adds
    // nothing at call time, so a hook stays unused (and skipped by core) until something taps it.
    hook.isUsed = () => hook.taps.length > 0;
    const observer = OBSERVER_HOOKS.has(hookName);
    const denials = DENIAL_HOOKS.has(hookName);
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
                return denials ? credit(value, tap.name) : value;
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
              return denials ? credit(value, tap.name) : value;
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
              } else callback(null, denials ? credit(value, tap.name) : value);
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
