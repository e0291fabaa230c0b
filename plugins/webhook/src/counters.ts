import type { HookLastError, HookStats, PreRequestCounters } from './types.js';

/** Live gauges of one hook in one plugin instance. */
export interface HookGauges {
  /** Deliveries waiting or in flight. */
  readonly queueDepth: number;
  /** Deliveries in flight. */
  readonly inFlight: number;
  /** Bytes held in spool segments. */
  readonly spoolBytes: number;
}

/** Mutable per-hook counters (process-wide, shared across config reloads). */
export class HookCounters {
  /** Deliveries accepted. */
  sent = 0;
  /** Deliveries given up. */
  failed = 0;
  /** Retry attempts. */
  retried = 0;
  /** Events dropped (queue or spool full). */
  dropped = 0;
  /** Last failure. */
  lastError: HookLastError | undefined;
  /** Last success (epoch ms). */
  lastSuccessAt: number | undefined;
  /** `pre_request` outcomes. */
  readonly preRequest: { -readonly [K in keyof PreRequestCounters]: number } = { allowed: 0, blocked: 0, modified: 0, failedOpen: 0, failedClosed: 0 };

  /** Records a failure (does not count it; callers count `failed` or `retried`). */
  noteError(message: string, status?: number): void {
    this.lastError = { message, ...(status === undefined ? {} : { status }), at: Date.now() };
  }

  /** Records a success. */
  noteSuccess(): void {
    this.sent++;
    this.lastSuccessAt = Date.now();
  }

  /** A frozen copy with the given gauges. */
  snapshot(gauges: HookGauges): HookStats {
    return Object.freeze({
      sent: this.sent,
      failed: this.failed,
      retried: this.retried,
      dropped: this.dropped,
      queueDepth: gauges.queueDepth,
      inFlight: gauges.inFlight,
      spoolBytes: gauges.spoolBytes,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.lastSuccessAt === undefined ? {} : { lastSuccessAt: this.lastSuccessAt }),
      preRequest: Object.freeze({ ...this.preRequest }),
    });
  }
}
