import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { TollgateError } from '../errors.js';
import type { FormatAdapter } from '../formats/format-adapter.js';
import { apiError } from '../types/api-error.js';
import { PROBLEM_ENVELOPE } from './problem-envelope.js';
import type { HttpMethod, RouteDefinition, RouteRegistry } from './route-definition.js';
import { type RouteRuntime, routeMethods, serveRoute } from './serve-route.js';
import { type ErrorEnvelope, writeApiError } from './write-response.js';

/** A request routed to an LLM API format: method, path, query and the pattern's parameters. */
export interface LlmTarget {
  /** HTTP method. */
  readonly method: string;
  /** Path without the query string, as sent. */
  readonly path: string;
  /** Query string without `?` (may be empty). */
  readonly querystring: string;
  /** Parameters of the matched route pattern (e.g. Gemini's `target`). */
  readonly params: Readonly<Record<string, string>>;
}

/** Serves an LLM API request (core's request flow). */
export type LlmServer = (req: IncomingMessage, res: ServerResponse, target: LlmTarget, adapter: FormatAdapter) => Promise<void>;

/** A route served by core or a plugin through {@link RouteDefinition}, with its error envelope. */
export interface HttpRoute {
  /** `core` or the plugin's name. */
  readonly owner: string;
  /** The route. */
  readonly route: RouteDefinition;
  /** How its errors are written (problem+json for plugins). */
  readonly envelope: ErrorEnvelope;
}

/** One row of the route table, as listed at start-up. */
export interface RouteSummary {
  /** Methods. */
  readonly methods: readonly string[];
  /** Path pattern. */
  readonly path: string;
  /** `core`, a plugin's name, or the LLM format serving it. */
  readonly owner: string;
}

/** Collects the routes plugins add in `apply` (`host.routes`). */
export class PluginRoutes implements RouteRegistry {
  readonly #routes: HttpRoute[] = [];
  readonly #owner: () => string;
  #frozen = false;

  /** @param owner the name of the plugin being applied (routes are credited to it) */
  constructor(owner: () => string) {
    this.#owner = owner;
  }

  /** @inheritdoc */
  add(route: RouteDefinition): void {
    if (this.#frozen) throw new TollgateError('TG_ERR_GATEWAY_STATE', 'routes are added in apply(), before the gateway is ready');
    if (typeof route.path !== 'string' || !route.path.startsWith('/')) throw new TollgateError('TG_ERR_ROUTE_INVALID', `route path must start with "/" (got ${JSON.stringify(route.path)})`);
    if (routeMethods(route).length === 0) throw new TollgateError('TG_ERR_ROUTE_INVALID', `route ${route.path} has no method`);
    this.#routes.push({ owner: this.#owner(), route, envelope: PROBLEM_ENVELOPE });
  }

  /** The routes added, once every plugin is applied (no more can be added). */
  freeze(): readonly HttpRoute[] {
    this.#frozen = true;
    return this.#routes;
  }
}

/** A path pattern without parameters or wildcards, which the fast path can look up as it is. */
function isLiteral(path: string): boolean {
  return !/[:*({]/.test(path);
}

/** Characters two paths differ by (Levenshtein distance), capped at `max + 1`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The first segment of a path (`/v1beta/models/x` → `v1beta`). */
function firstSegment(path: string): string {
  return path.split('/')[1] ?? '';
}

interface Row extends RouteSummary {
  /** How errors on this route's paths are written. */
  readonly envelope: ErrorEnvelope;
}

/**
 * The gateway's one route table: the LLM API paths every format declares, core's routes and the
 * routes plugins add. Everything is derived from it: the `@koa/router` routes, the literal LLM
 * paths served straight from `node:http` ({@link llmRoute}), the 405 (a path that matches with
 * another method, with `Allow`) and the 404 (in the error envelope of the API the path resembles,
 * with the nearest known route as a hint).
 */
export class RouteTable {
  readonly #router = new Router();
  readonly #rows: Row[] = [];
  /** Layer name → row (koa-router layers are named by their row index). */
  readonly #rowOfLayer = new Map<string, Row>();
  /** Literal LLM paths → their format (the fast path). */
  readonly #literal = new Map<string, FormatAdapter>();
  readonly #middleware: (ctx: Context, next: Next) => Promise<unknown>;
  readonly #default: ErrorEnvelope;

  /**
   * Builds the table; throws `TG_ERR_ROUTE_CONFLICT` when two routes claim one method and path.
   * @param formats the runtime's LLM formats (their `paths`, served with POST)
   * @param routes core's and plugins' routes
   * @param serveLlm core's LLM request flow
   * @param rt what serving a route needs
   */
  constructor(formats: readonly FormatAdapter[], routes: readonly HttpRoute[], serveLlm: LlmServer, rt: RouteRuntime) {
    const taken = new Map<string, string>();
    const claim = (methods: readonly string[], path: string, owner: string): void => {
      for (const m of methods) {
        const key = `${m} ${path}`;
        const other = taken.get(key);
        if (other !== undefined) throw new TollgateError('TG_ERR_ROUTE_CONFLICT', `${key} is served by ${other} and ${owner}`);
        taken.set(key, owner);
      }
    };
    for (const adapter of formats) {
      for (const path of adapter.paths) {
        claim(['POST'], path, adapter.name);
        const row = this.#add({ methods: ['POST'], path, owner: adapter.name, envelope: adapter });
        this.#router.register(path, ['POST'], (ctx: Context) => {
          ctx.respond = false;
          return serveLlm(ctx.req, ctx.res, { method: ctx.method, path: ctx.path, querystring: ctx.querystring, params: ctx.params }, adapter);
        }, { name: row });
        if (isLiteral(path)) this.#literal.set(path, adapter);
      }
    }
    for (const r of routes) {
      const methods: HttpMethod[] = routeMethods(r.route);
      claim(methods, r.route.path, r.owner);
      const row = this.#add({ methods, path: r.route.path, owner: r.owner, envelope: r.envelope });
      this.#router.register(r.route.path, methods, serveRoute(r.owner, r.route, r.envelope, rt), { name: row });
    }
    this.#default = formats.find((f) => f.name === 'openai_chat') ?? PROBLEM_ENVELOPE;
    const routed = this.#router.routes();
    this.#middleware = async (ctx, next) => {
      await routed(ctx as Parameters<typeof routed>[0], next);
      if (ctx.respond === false || ctx.body !== undefined || ctx.status !== 404 || ctx.headerSent) return;
      this.#answerUnrouted(ctx);
    };
  }

  #add(row: Row): string {
    const name = String(this.#rows.length);
    this.#rows.push(row);
    this.#rowOfLayer.set(name, row);
    return name;
  }

  /** The format serving `POST path` when `path` is a literal LLM route (the `node:http` fast path). */
  llmRoute(path: string): FormatAdapter | undefined {
    return this.#literal.get(path);
  }

  /** Koa middleware serving every route of the table, with 404 and 405 for everything else. */
  get middleware(): (ctx: Context, next: Next) => Promise<unknown> {
    return this.#middleware;
  }

  /** Every route: methods, path pattern and who serves it (for the start-up log). */
  list(): RouteSummary[] {
    return this.#rows.map(({ methods, path, owner }) => ({ methods, path, owner }));
  }

  /** 405 when the path is served with other methods, else 404 with a hint. */
  #answerUnrouted(ctx: Context): void {
    ctx.respond = false;
    const matched = this.#router.match(ctx.path, ctx.method).path;
    if (matched.length > 0) {
      const allow = [...new Set(matched.flatMap((layer) => layer.methods))];
      const row = this.#rowOfLayer.get(matched[0]?.name ?? '');
      writeApiError(ctx.res, row?.envelope ?? this.#default, apiError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; use ${allow.filter((m) => m !== 'HEAD').join(' or ')}`, { headers: { allow: allow.join(', ') } }));
      return;
    }
    const near = this.#nearest(ctx.path);
    const hint = near === undefined ? '' : `; did you mean ${near.methods.filter((m) => m !== 'HEAD').join('/')} ${near.path}?`;
    writeApiError(ctx.res, near?.envelope ?? this.#envelopeByPrefix(ctx.path), apiError('not_found', `no route for ${ctx.method} ${ctx.path}${hint}`, { code: 'unknown_url' }));
  }

  /**
   * The literal route an unknown path most likely meant: one it ends with (`/v1/v1/messages`, a
   * base URL that already had `/v1`), else one a few characters away (a typo).
   */
  #nearest(path: string): Row | undefined {
    const literal = this.#rows.filter((r) => isLiteral(r.path));
    const suffix = literal.filter((r) => r.path.length > 1 && path.endsWith(r.path)).sort((a, b) => b.path.length - a.path.length)[0];
    if (suffix !== undefined) return suffix;
    const max = Math.max(2, Math.floor(path.length / 8));
    let best: Row | undefined;
    let bestD = max + 1;
    for (const r of literal) {
      const d = distance(path, r.path, max);
      if (d < bestD) {
        best = r;
        bestD = d;
      }
    }
    return best;
  }

  /** The envelope of the routes sharing the path's first segment (`/api/…` → problem+json), else OpenAI's. */
  #envelopeByPrefix(path: string): ErrorEnvelope {
    const segment = firstSegment(path);
    return this.#rows.find((r) => firstSegment(r.path) === segment && segment !== '')?.envelope ?? this.#default;
  }
}
