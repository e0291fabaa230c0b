/** What a delivery's outcome means for the queue. */
export type OutcomeClass = 'delivered' | 'retry' | 'give-up';

/**
 * Classifies a receiver's HTTP status: 2xx delivered; 408, 429 and 5xx retried; every other
 * status (other 4xx, 3xx: redirects are not followed, 1xx) given up.
 */
export function classifyStatus(status: number): OutcomeClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'give-up';
}

/**
 * Milliseconds a `Retry-After` header asks to wait: delay-seconds or an HTTP date (RFC 9110
 * section 10.2.3). `undefined` when absent or malformed; a date in the past is 0.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}/.test(text)) return undefined; // every HTTP date format starts with the day name
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Retry timing of a hook. */
export interface RetryTiming {
  /** Delay after the first failure (ms). */
  readonly initialMs: number;
  /** Longest delay (ms). */
  readonly maxMs: number;
  /** Longest wait a `Retry-After` may impose (ms). */
  readonly maxRetryAfterMs: number;
}

/**
 * Delay before the next attempt after `failures` consecutive failures (1 = the first): exponential
 * from `initialMs`, capped at `maxMs`, with "equal jitter" (between half and all of it) so that
 * several gateways do not retry in lockstep. A `Retry-After` is honoured as a lower bound, itself
 * capped at `maxRetryAfterMs`.
 */
export function retryDelay(failures: number, timing: RetryTiming, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exp = Math.min(timing.maxMs, timing.initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  const jittered = exp / 2 + random() * (exp / 2);
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, timing.maxRetryAfterMs)));
}
