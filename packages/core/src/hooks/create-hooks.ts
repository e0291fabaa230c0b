import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import type { AccessContext, CallerAccess } from '../types/capabilities.js';
import type { Denial } from '../types/denial.js';
import type { Exchange } from '../types/exchange.js';
import type { IdentifyInput, Identity } from '../types/identity.js';
import type { ModelDescription, ModelEntry, ModelsContext } from '../types/model-entry.js';
import type { RequestContext, ToolCallContext } from '../types/request-context.js';

/** What `ready` taps receive (nothing yet: a runtime becomes ready before the gateway listens). */
export type ReadyContext = Readonly<Record<string, never>>;

/** Options of an `onResponse` tap besides `name` and `stage`. */
export interface ObserverTapOptions {
  /**
   * What of a stream's response the observer reads. `'all'` (the default): `responseBody` and
   * `rawResponses` of every exchange, so core keeps every event's text while streams pass. `'declared'`:
   * only what it asked for per request with `RequestContext.keepResponse()` in `onRequest`; when
   * every observer declares, a stream it does not read costs no memory however long it runs.
   */
  readonly response?: 'all' | 'declared';
}

/** The gateway's lifecycle hooks. Tap with `{ name: plugin.name, stage: STAGE_* }`. */
export interface TollgateHooks {
  /** Awaited before routing; the first resolver that returns an {@link Identity} wins. None: 401. */
  readonly identify: AsyncSeriesBailHook<[IdentifyInput], Identity | undefined>;
  /** Awaited before the provider call; the first {@link Denial} returned refuses the request. */
  readonly onRequest: AsyncSeriesBailHook<[RequestContext], Denial | undefined>;
  /**
   * Awaited per tool call, before that call reaches the client (also inside streams, where only
   * that call's events are held). The first {@link Denial} blocks or strips the call.
   */
  readonly onToolCall: AsyncSeriesBailHook<[ToolCallContext], Denial | undefined>;
  /**
   * Awaited once the client's response is complete, before `onResponse` observers run (never
   * delays the client): accounting that observers then read from the exchange's state, such as the
   * estimated cost (`ESTIMATED_COST`) and the quota balances after charging (`QUOTA_BALANCES`).
   * Errors are logged; observers run anyway.
   */
  readonly settle: AsyncSeriesHook<[Exchange]>;
  /** Runs after the response completed (also for errors and aborts); never delays the client. */
  readonly onResponse: AsyncParallelHook<[Exchange], ObserverTapOptions>;
  /** Awaited for `GET /v1/models`: each tap returns the list it lets the caller see. */
  readonly listModels: AsyncSeriesWaterfallHook<[ModelEntry[], ModelsContext]>;
  /**
   * Awaited for `GET /api/models` (the control plane's model list: every served model, whether the
   * caller may use it): each tap returns the descriptions with what it knows added (the quotas
   * plugin adds `pricing`).
   */
  readonly describeModels: AsyncSeriesWaterfallHook<[ModelDescription[], ModelsContext]>;
  /**
   * Awaited on control-plane routes (admin API, dashboard, read API, metrics) once the caller is
   * identified: each tap returns the caller's {@link CallerAccess} with what it grants added (the
   * grants plugin adds the role and capabilities such as `read_metrics`). Starts with no role.
   */
  readonly access: AsyncSeriesWaterfallHook<[CallerAccess, AccessContext]>;
  /**
   * Awaited by `GET /readyz`: the first tap that returns a reason (`"capture store unreachable"`)
   * makes the gateway report not ready (503). Nothing returned: ready.
   */
  readonly checkReady: AsyncSeriesBailHook<[], string | undefined>;
  /** Awaited once the runtime is built, before it serves: open spools, warm pools. */
  readonly ready: AsyncSeriesHook<[ReadyContext]>;
  /** Awaited once the runtime has drained: flush and release resources. */
  readonly close: AsyncSeriesHook<[]>;
}

/** Names of the hooks, in lifecycle order. */
export const HOOK_NAMES = ['identify', 'onRequest', 'onToolCall', 'settle', 'onResponse', 'listModels', 'describeModels', 'access', 'checkReady', 'ready', 'close'] as const;

/** Builds a fresh hook set; core freezes its own, tests make one each. */
export function createHooks(): TollgateHooks {
  return {
    identify: new AsyncSeriesBailHook(['input'], 'identify'),
    onRequest: new AsyncSeriesBailHook(['request'], 'onRequest'),
    onToolCall: new AsyncSeriesBailHook(['toolCall'], 'onToolCall'),
    settle: new AsyncSeriesHook(['exchange'], 'settle'),
    onResponse: new AsyncParallelHook<[Exchange], ObserverTapOptions>(['exchange'], 'onResponse'),
    listModels: new AsyncSeriesWaterfallHook(['models', 'context'], 'listModels'),
    describeModels: new AsyncSeriesWaterfallHook(['models', 'context'], 'describeModels'),
    access: new AsyncSeriesWaterfallHook(['access', 'context'], 'access'),
    checkReady: new AsyncSeriesBailHook([], 'checkReady'),
    ready: new AsyncSeriesHook(['context'], 'ready'),
    close: new AsyncSeriesHook([], 'close'),
  };
}
