import { performance } from 'node:perf_hooks';
import { errorMessage } from '@tollgate/core';
import { type CallBudget, callBudget } from './bounded-fetch.js';
import type { OsoCheckClient, OsoEntity, OsoFact } from './types.js';

/** Why Oso could not answer. */
export type CheckFailureKind =
  /** No answer before the timeout (queueing, attempts and retries included). */
  | 'timeout'
  /** Unreachable, 429 or 5xx after the retries the timeout allowed. */
  | 'unavailable'
  /** Oso refused the call (401/403: the key; 400: the request, e.g. too many context facts). */
  | 'rejected'
  /** Anything else (an unexpected reply, an SDK error). */
  | 'error';

/** A failed check. */
export interface CheckFailure {
  /** The kind of failure. */
  readonly kind: CheckFailureKind;
  /** What happened, for logs and decision reasons (never the key). */
  readonly message: string;
  /** Oso's HTTP status, when it answered. */
  readonly status?: number;
}

/** The outcome of one call to Oso. */
export type CheckResult<T> = { readonly ok: true; readonly value: T; readonly durationMs: number } | { readonly ok: false; readonly failure: CheckFailure; readonly durationMs: number };

/** What an {@link OsoChecker} works with. */
export interface OsoCheckerInit {
  /** The Oso client. */
  readonly client: OsoCheckClient;
  /** Longest a check may take, from the moment it is asked (ms). */
  readonly timeoutMs: number;
  /** Calls in flight at once; further checks wait their turn (within their timeout). */
  readonly maxConcurrency: number;
}

class TimeoutError extends Error {}

/** A counting semaphore whose waiters can give up. */
class Limiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Resolves once a slot is free; `abandon` takes the waiter out of the queue. */
  acquire(): { ready: Promise<void>; abandon: () => void } {
    if (this.#active < this.#max) {
      this.#active++;
      return { ready: Promise.resolve(), abandon: () => undefined };
    }
    let wake!: () => void;
    const ready = new Promise<void>((resolve) => {
      wake = () => {
        this.#active++;
        resolve();
      };
    });
    this.#waiting.push(wake);
    return {
      ready,
      abandon: () => {
        const i = this.#waiting.indexOf(wake);
        if (i !== -1) this.#waiting.splice(i, 1);
      },
    };
  }

  release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}

/** Classifies an SDK rejection. */
function classify(err: unknown, budget: CallBudget): CheckFailure {
  if (err instanceof TimeoutError || budget.failure === 'timeout') return { kind: 'timeout', message: 'no answer in time' };
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') {
    const text = errorMessage(err).replace(/^Oso Cloud error: /, '').replace(/ \(Request ID: [^)]*\)$/, '').slice(0, 200);
    if (budget.failure === 'network') return { kind: 'unavailable', message: text, status };
    if (status === 401 || status === 403 || status === 400 || status === 404 || status === 422) return { kind: 'rejected', message: `answered ${status}: ${text}`, status };
    return { kind: 'unavailable', message: `answered ${status}: ${text}`, status };
  }
  return { kind: 'error', message: errorMessage(err).slice(0, 200) };
}

/**
 * Calls Oso Cloud with a time budget and a concurrency limit (Oso's free plan allows 4 calls at
 * once). Each check resolves within its timeout, counted from when it was asked: time spent
 * waiting for a slot counts, and the SDK's attempts are aborted at the deadline (see
 * `boundedFetchBuilder`). Never rejects: failures come back as a {@link CheckFailure}.
 */
export class OsoChecker {
  readonly #client: OsoCheckClient;
  readonly #timeoutMs: number;
  readonly #limiter: Limiter;

  constructor(init: OsoCheckerInit) {
    this.#client = init.client;
    this.#timeoutMs = init.timeoutMs;
    this.#limiter = new Limiter(init.maxConcurrency);
  }

  /** `POST /api/authorize`. */
  authorize(actor: OsoEntity, action: string, resource: OsoEntity, facts: readonly OsoFact[]): Promise<CheckResult<boolean>> {
    return this.#run(async () => {
      const allowed: unknown = await this.#client.authorize(actor, action, resource, facts);
      if (typeof allowed !== 'boolean') throw new Error('unexpected reply to authorize (no boolean "allowed")');
      return allowed;
    });
  }

  /** `POST /api/list`. */
  list(actor: OsoEntity, action: string, resourceType: string, facts: readonly OsoFact[]): Promise<CheckResult<string[]>> {
    return this.#run(async () => {
      const ids: unknown = await this.#client.list(actor, action, resourceType, facts);
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new Error('unexpected reply to list (no string "results")');
      return ids as string[];
    });
  }

  async #run<T>(call: () => Promise<T>): Promise<CheckResult<T>> {
    const start = performance.now();
    const budget: CallBudget = { deadline: Date.now() + this.#timeoutMs, attempts: 0 };
    let timer: NodeJS.Timeout | undefined;
    const slot = this.#limiter.acquire();
    let acquired = false;
    let released = false;
    // Once: the call's end, or its deadline (a client that never settles must not hold a slot forever).
    const release = (): void => {
      if (released) return;
      released = true;
      this.#limiter.release();
    };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError('timeout')), this.#timeoutMs);
    });
    try {
      const value = await Promise.race([
        slot.ready.then(() => {
          acquired = true;
          return callBudget.run(budget, call).finally(release);
        }),
        deadline,
      ]);
      return { ok: true, value, durationMs: performance.now() - start };
    } catch (err) {
      if (acquired) release();
      else slot.abandon();
      return { ok: false, failure: classify(err, budget), durationMs: performance.now() - start };
    } finally {
      clearTimeout(timer);
    }
  }
}
