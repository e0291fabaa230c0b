import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { logRouteAccess } from '../pipeline/access-log.js';
import { identifyCaller } from '../pipeline/identify-caller.js';
import { toApiError } from '../pipeline/to-api-error.js';
import { ApiErrorException, apiError } from '../types/api-error.js';
import { type CallerAccess, NO_ACCESS } from '../types/capabilities.js';
import type { Identity } from '../types/identity.js';
import { readJsonBody } from './read-json-body.js';
import type { HttpMethod, RouteAccess, RouteContext, RouteDefinition, RouteState } from './route-definition.js';
import { crossSiteReason } from './same-origin.js';
import type { ErrorEnvelope } from './write-response.js';

/** What serving a route needs from its runtime. */
export interface RouteRuntime {
  /** Hooks (`identify`, `access`). */
  readonly hooks: TollgateHooks;
  /** Root logger. */
  readonly logger: Logger;
  /** Body limits for `readJson`. */
  readonly limits: { readonly maxBodyBytes: number; readonly maxJsonDepth: number };
  /** Write one access line per request. */
  readonly accessLog: boolean;
}

const MUTATING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Methods of a route definition as a list. */
export function routeMethods(route: RouteDefinition): HttpMethod[] {
  return typeof route.method === 'string' ? [route.method] : [...route.method];
}

/** True when `access` lets a caller with `caller` in. */
function permitted(access: RouteAccess, caller: CallerAccess): boolean {
  if (access === 'public' || access === 'identified') return true;
  if (caller.role === 'admin') return true;
  return access !== 'admin' && caller.capabilities.has(access.capability);
}

function accessMessage(access: RouteAccess): string {
  return access === 'admin' ? 'this route needs role "admin" (a grant with "role": "admin")' : `this route needs role "admin" or the grant capability "${(access as { capability: string }).capability}"`;
}

/**
 * The Koa middleware serving one control-plane route: refuses cross-site writes, identifies the
 * caller with the same `identify` hook as LLM calls (401 without identity, unless the route is
 * public), asks the `access` hook what the caller may do (403 when it is not enough), runs the
 * handler, turns any failure into the route's error envelope through the one `toApiError`, and
 * writes the access line.
 */
export function serveRoute(owner: string, route: RouteDefinition, envelope: ErrorEnvelope, rt: RouteRuntime): (ctx: Context) => Promise<void> {
  const access = route.access ?? 'identified';
  const sameOrigin = route.sameOrigin ?? routeMethods(route).some((m) => MUTATING.has(m));
  return async (ctx) => {
    const start = performance.now();
    const requestId = randomUUID();
    ctx.set('x-request-id', requestId);
    let log: Logger | undefined;
    const logOf = (): Logger => (log ??= rt.logger.child({ reqId: requestId }));
    let identity: Identity | undefined;
    let errorMessage: string | undefined;
    const accessLog: Record<string, unknown> = {};
    try {
      if (sameOrigin && MUTATING.has(ctx.method)) {
        const reason = crossSiteReason(ctx.req.headers);
        if (reason !== undefined) throw new ApiErrorException(apiError('permission', reason, { code: 'cross_site_request' }));
        // `is()` is null for a request without a body, false for a body of another type.
        if (ctx.request.is('application/json', '+json') === false) {
          throw new ApiErrorException(apiError('unsupported_media_type', 'send the body as JSON (Content-Type: application/json)', { code: 'unsupported_media_type' }));
        }
      }
      let caller: CallerAccess = NO_ACCESS;
      if (access !== 'public') {
        identity = await identifyCaller(rt.hooks, ctx.req, new URLSearchParams(ctx.querystring), requestId);
        if (rt.hooks.access.isUsed()) caller = await rt.hooks.access.promise(NO_ACCESS, { identity });
        if (!permitted(access, caller)) throw new ApiErrorException(apiError('permission', accessMessage(access), { code: 'forbidden' }));
      }
      const state: RouteState = {
        requestId,
        identity,
        access: caller,
        get log() {
          return logOf();
        },
        readJson: async () => (await readJsonBody(ctx.req, { maxBytes: rt.limits.maxBodyBytes, maxDepth: rt.limits.maxJsonDepth })).body,
        accessLog,
      };
      ctx.state = state;
      await route.handler(ctx as RouteContext);
    } catch (err) {
      const error = toApiError(err, logOf);
      errorMessage = error.message;
      ctx.status = error.status;
      if (error.headers !== undefined) ctx.set(error.headers as Record<string, string>);
      ctx.type = envelope.errorContentType ?? 'application/json; charset=utf-8';
      ctx.body = JSON.stringify(envelope.errorBody(error));
    } finally {
      if (rt.accessLog) {
        logRouteAccess(rt.logger, {
          reqId: requestId,
          status: ctx.status,
          method: ctx.method,
          path: ctx.path,
          route: owner,
          ...(identity === undefined ? {} : { identity: identity.login, resolver: identity.resolver }),
          durationMs: performance.now() - start,
          ...(errorMessage === undefined ? {} : { error: errorMessage }),
          extra: accessLog,
        });
      }
    }
  };
}
