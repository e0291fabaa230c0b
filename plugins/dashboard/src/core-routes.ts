/*
 * ─── LOCAL STAND-IN for @tollgate/core's route extension point (contracts section 1) ───
 *
 * Core on main does not export the route extension point yet. These declarations are the
 * minimal part of the contract this plugin uses, so that the rest of the package is written
 * against the contract as if it existed. When core ships it, the lead replaces this file with
 *
 *   export type { HttpMethod, RouteAccess, RouteContext, RouteDefinition } from '@tollgate/core';
 *
 * and `routesOf(host)` with `host.routes` (then a member of `PluginHost`).
 */
import type { PluginHost } from '@tollgate/core';

/** HTTP methods a route may answer (contract: core's `HttpMethod`). */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route (contract: core's `RouteAccess`). */
export type RouteAccess = 'public' | 'identified' | 'admin' | { readonly capability: string };

/**
 * The part of core's `RouteContext` (Koa's context plus tollgate's request state) this plugin
 * reads and writes. Koa's `Context` satisfies it.
 */
export interface RouteContext {
  /** Request method. */
  readonly method: string;
  /** Request path, percent-encoded as received. */
  readonly path: string;
  /** A request header (empty string when absent). */
  get(field: string): string;
  /** Sets response headers. */
  set(field: Record<string, string>): void;
  /** Response status. */
  status: number;
  /** Response body. */
  body: unknown;
  /** Tollgate's per-request state (only `identity` is read here). */
  readonly state: { readonly identity?: unknown };
}

/** A route a plugin adds (contract: core's `RouteDefinition`). */
export interface RouteDefinition {
  /** Method(s) answered. */
  readonly method: HttpMethod | readonly HttpMethod[];
  /** @koa/router v15 pattern (`/ui/{*rest}`). */
  readonly path: string;
  /** Who may call it. @default 'identified' */
  readonly access?: RouteAccess;
  /** Refuse cross-origin mutating calls. @default true for POST/PUT/PATCH/DELETE */
  readonly sameOrigin?: boolean;
  /** Answers the request by setting `ctx.status`, headers and `ctx.body`. */
  readonly handler: (ctx: RouteContext) => unknown | Promise<unknown>;
}

/** Core's route registry (contract: `PluginHost.routes`). */
export interface RouteRegistry {
  /** Adds a route; call in `apply`. */
  add(route: RouteDefinition): void;
}

/** A plugin host that has the route extension point. */
export type HostWithRoutes = PluginHost & { readonly routes?: RouteRegistry };

/** The host's route registry, or `undefined` when this core does not have one yet. */
export function routesOf(host: PluginHost): RouteRegistry | undefined {
  return (host as HostWithRoutes).routes;
}
