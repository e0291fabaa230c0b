/**
 * Named tapable stages. Taps run in ascending stage order; within a stage, in tap order.
 * Use these constants, never bare numbers.
 */

/** Identity resolvers that read credentials (API keys, trusted proxy headers). */
export const STAGE_AUTHENTICATE = -300;
/** Access decisions: grants, model access, quotas. */
export const STAGE_AUTHORIZE = -200;
/** Content guardrails: pre_request hooks, tool filters, tool-call policy. */
export const STAGE_GUARDRAIL = -100;
/** The default stage for taps that do not say. */
export const STAGE_DEFAULT = 0;
/** Observers: telemetry, audit, metrics. */
export const STAGE_OBSERVE = 100;
/** Last-resort resolvers, such as the loopback identity. */
export const STAGE_FALLBACK = 1000;
