import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** The time budget of one check, carried through the SDK to its fetch calls. */
export interface CallBudget {
  /** Epoch ms after which no attempt starts and any attempt in flight is aborted. */
  readonly deadline: number;
  /** Attempts made so far. */
  attempts: number;
  /** Why the last attempt failed without an HTTP answer, if it did. */
  failure?: 'timeout' | 'network';
}

/** The budget of the check being run (set by the checker around each SDK call). */
export const callBudget = new AsyncLocalStorage<CallBudget>();

/** A `fetch` as the SDK calls it (cross-fetch / node-fetch v2 signature). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SdkFetch = (input: any, init?: any) => Promise<any>;

/** Statuses worth another attempt (the SDK also retries 400, which only repeats a bad request). */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** First retry delay (ms), doubled per attempt, like the SDK's own backoff. */
const BASE_DELAY_MS = 20;

function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * A response the SDK reads like Oso's own error reply, for a call that got no HTTP answer. The
 * SDK would otherwise `console.error` the network error and reject with a message that says
 * nothing; this way it rejects with an `OsoError` carrying the status and our message, and the
 * checker knows the cause from the budget.
 */
function syntheticResponse(status: number, message: string): Response {
  return new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * Builds the SDK's `fetchBuilder`: replaces the SDK's retry wrapper (three attempts, each
 * unbounded unless `fetchTimeoutMillis` is set, so up to three times the timeout) with one that
 * stops at the check's deadline. Every attempt is aborted at the deadline; network errors, 429
 * and 5xx are retried with backoff (or the server's `Retry-After`) only while the next attempt
 * can start before the deadline. Worst-case latency is therefore the timeout, whatever the
 * retries.
 */
export function boundedFetchBuilder(options: { readonly retries: number; readonly timeoutMs: number }): (fetch: SdkFetch) => SdkFetch {
  return (fetch) =>
    async (input, init) => {
      const budget = callBudget.getStore() ?? { deadline: Date.now() + options.timeoutMs, attempts: 0 };
      for (let attempt = 0; ; attempt++) {
        const remaining = budget.deadline - Date.now();
        if (remaining <= 0) {
          budget.failure = 'timeout';
          return syntheticResponse(504, `no answer within ${options.timeoutMs} ms`);
        }
        budget.attempts++;
        let response: { status: number; headers?: { get(name: string): string | null }; text(): Promise<string> };
        try {
          response = await fetch(input, { ...init, signal: AbortSignal.timeout(remaining) });
        } catch (err) {
          const timedOut = Date.now() >= budget.deadline || (err as { name?: string }).name === 'AbortError';
          if (!timedOut && attempt < options.retries) {
            const delay = BASE_DELAY_MS * 2 ** attempt;
            if (budget.deadline - Date.now() > delay) {
              await sleep(delay);
              continue;
            }
          }
          budget.failure = timedOut ? 'timeout' : 'network';
          const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
          return syntheticResponse(timedOut ? 504 : 503, timedOut ? `no answer within ${options.timeoutMs} ms` : `unreachable${code === undefined ? '' : ` (${code})`}`);
        }
        if (RETRY_STATUSES.has(response.status) && attempt < options.retries) {
          const delay = retryAfterMs(response.headers) ?? BASE_DELAY_MS * 2 ** attempt;
          if (budget.deadline - Date.now() > delay) {
            await response.text().catch(() => undefined);
            await sleep(delay);
            continue;
          }
        }
        budget.failure = undefined;
        return response;
      }
    };
}
