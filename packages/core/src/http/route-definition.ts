import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { CallerAccess } from '../types/capabilities.js';
import type { Identity } from '../types/identity.js';
import type { JsonObject } from '../types/json.js';

/** HTTP methods a route may serve. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `public`: anyone; `identify` does not run (static assets, health checks);
 * - `identified` (default): callers `identify` knows; others get 401;
 * - `admin`: callers whose access has `role: admin`; other identified callers get 403;
 * - `{ capability }`: admins, and callers whose access lists that capability (`read_metrics`).
 */
export type RouteAccess = 'public' | 'identified' | 'admin' | { readonly capability: string };

/** What a route handler finds in `ctx.state`. */
export interface RouteState {
  /** Request id (also sent as `x-request-id`). */
  readonly requestId: string;
  /** The caller; `undefined` only on `public` routes. */
  readonly identity: Identity | undefined;
  /** What the caller may do on the control plane (see the `access` hook). */
  readonly access: CallerAccess;
  /** Logger bound to the request id. */
  readonly log: Logger;
  /**
   * Reads the request body as a JSON object within the gateway's body limits; malformed, too
   * large or non-JSON bodies are refused (400, 413, 415) like on LLM routes.
   */
  readonly readJson: () => Promise<JsonObject>;
  /** Fields added to this request's access line (`ctx.state.accessLog.models = 3`); never secrets. */
  readonly accessLog: Record<string, unknown>;
}

/** Koa's context as a route handler receives it: set `ctx.status`, `ctx.body`, `ctx.type`. */
export type RouteContext = Context & { state: RouteState };

/**
 * An HTTP route a plugin serves through `host.routes.add()` (the admin API, the dashboard,
 * `/metrics`). Core resolves the caller with the same `identify` hook as LLM calls, checks
 * `access`, answers every refusal or failure as RFC 9457 problem+json (throw `refuse()` to refuse
 * with a status), writes the access line, and derives 404 and 405 for every path from one table.
 */
export interface RouteDefinition {
  /** Method or methods served (`GET` also answers `HEAD`). */
  readonly method: HttpMethod | readonly HttpMethod[];
  /** `@koa/router` path pattern: `/api/requests/:id`, `/ui/{*rest}`. */
  readonly path: string;
  /** Who may call. @default 'identified' */
  readonly access?: RouteAccess;
  /**
   * Refuse cross-site requests: a browser `Origin` other than the gateway's own, or
   * `Sec-Fetch-Site: cross-site`, gets 403, and a request with a body must be JSON (415), so that a
   * web page elsewhere cannot drive the route. @default true for POST, PUT, PATCH and DELETE
   */
  readonly sameOrigin?: boolean;
  /** Serves the request. Throw `refuse(...)` to refuse; anything else thrown is a 500. */
  readonly handler: (ctx: RouteContext) => unknown;
}

/** Where a plugin adds routes (`host.routes` in `apply`). */
export interface RouteRegistry {
  /** Adds a route; throws `TG_ERR_ROUTE_CONFLICT` when its method and path are taken. */
  add(route: RouteDefinition): void;
}
