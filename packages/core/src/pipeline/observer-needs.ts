import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { ObserverTapOptions } from '../hooks/create-hooks.js';
import type { ResponseParts } from '../types/exchange.js';

/** What the `onResponse` observers of one request need core to keep. */
export interface ObserverNeeds {
  /** Some observer exists: the exchange carries session id, user message and declared tools. */
  readonly exchange: boolean;
  /** Keep a stream's text to reassemble the complete `responseBody`. */
  readonly body: boolean;
  /** Keep every stream event's data for `rawResponses`. */
  readonly rawResponses: boolean;
}

const NONE: ObserverNeeds = Object.freeze({ exchange: false, body: false, rawResponses: false });
const ALL: ObserverNeeds = Object.freeze({ exchange: true, body: true, rawResponses: true });

/**
 * The one place that decides what core keeps of a response for `onResponse` observers: nothing
 * when nobody taps it; everything when some tap did not declare what it reads
 * (`{ response: 'declared' }`); else what this request's taps asked for with
 * `RequestContext.keepResponse()`. Read per request, so a tap added in `ready` counts.
 */
export function observerNeeds(hooks: TollgateHooks, kept: Required<ResponseParts> | undefined): ObserverNeeds {
  const taps = hooks.onResponse.taps as ReadonlyArray<ObserverTapOptions>;
  if (taps.length === 0) return NONE;
  if (!taps.every((t) => t.response === 'declared')) return ALL;
  return { exchange: true, body: kept?.body === true, rawResponses: kept?.rawResponses === true };
}
