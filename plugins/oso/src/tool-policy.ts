import { performance } from 'node:perf_hooks';
import type { Denial, Identity, PluginHost, RequestContext, ToolCallContext } from '@tollgate/core';
import { actorOf, entityLabel } from './actor-mapping.js';
import { type BuiltFacts, ContextFactBuilder } from './context-facts.js';
import { DecisionCache } from './decision-cache.js';
import type { CheckFailure, CheckResult, OsoChecker } from './oso-checker.js';
import type { EnforceOptions } from './schema.js';
import { PLUGIN_NAME, type OsoDecisionData, type OsoDecisionSource, type OsoEntity, type OsoFact } from './types.js';

type Logger = PluginHost['logger'];

/** Machine code of a denial by Oso policy. */
export const DENIED_CODE = 'tool_call_denied';

/** Machine code of a denial because Oso could not answer (`fail_closed`). */
export const UNAVAILABLE_CODE = 'tool_call_unauthorized';

/** What a {@link ToolPolicy} works with. */
export interface ToolPolicyInit {
  /** Validated `enforce` options (durations parsed by the caller). */
  readonly options: EnforceOptions;
  /** Decision lifetime (ms). */
  readonly cacheTtlMs: number;
  /** Calls Oso. */
  readonly checker: OsoChecker;
  /** True when a caller is subject to enforcement (`enforce.users`). */
  readonly applies: (identity: Identity) => boolean;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Plugin logger. */
  readonly log: Logger;
}

/** One decision, with where it came from. */
interface Verdict {
  readonly allowed: boolean;
  readonly source: OsoDecisionSource;
  readonly failure?: CheckFailure;
}

/** How often (ms) a continuing Oso outage is logged again. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

function cacheKey(actor: OsoEntity, action: string, resource: string, facts: readonly OsoFact[]): string {
  return JSON.stringify([actor.type, actor.id, action, resource, facts]);
}

function failureText(f: CheckFailure): string {
  return f.kind === 'timeout' ? 'did not answer in time' : f.kind === 'rejected' ? `refused the check (${f.message})` : `is unavailable (${f.message})`;
}

/**
 * Tool-call authorization with Oso Cloud: asks `authorize(actor, action, Tool:<name>, facts)`
 * for each tool call before it reaches the client, and (optionally) filters the tools a request
 * declares. Decisions are cached per (actor, action, tool, context facts), denies included;
 * concurrent checks of the same key share one call; failures follow `fail_policy`. Every
 * decision is recorded on the request (plugin `oso`).
 */
export class ToolPolicy {
  readonly #o: EnforceOptions;
  readonly #checker: OsoChecker;
  readonly #applies: (identity: Identity) => boolean;
  readonly #facts: ContextFactBuilder;
  readonly #decisions: DecisionCache<boolean>;
  readonly #lists: DecisionCache<ReadonlySet<string>>;
  readonly #log: Logger;
  readonly #now: () => number;
  #lastFailureLog = -Infinity;
  #failing = false;

  constructor(init: ToolPolicyInit) {
    this.#o = init.options;
    this.#checker = init.checker;
    this.#applies = init.applies;
    this.#log = init.log;
    this.#now = init.now;
    this.#facts = new ContextFactBuilder(init.options.context_facts, init.options.max_context_facts);
    const cache = { ttlMs: init.cacheTtlMs, maxEntries: init.options.cache_size, now: init.now };
    this.#decisions = new DecisionCache<boolean>(cache);
    this.#lists = new DecisionCache<ReadonlySet<string>>({ ...cache, maxEntries: Math.max(1, Math.ceil(init.options.cache_size / 10)) });
  }

  /** Decisions currently cached. */
  get cachedDecisions(): number {
    return this.#decisions.size;
  }

  /** `onToolCall`: the call's decision; a denial blocks or strips it (`on_deny`). */
  async checkCall(tc: ToolCallContext): Promise<Denial | undefined> {
    const { request, call } = tc;
    if (!this.#applies(request.identity)) return undefined;
    const start = performance.now();
    const subject = `tool:${call.name}`;
    const action = this.#o.action;
    const actor = actorOf(request.identity, this.#o.actor);
    if (actor === undefined || call.name === '') {
      const reason = actor === undefined ? `caller has no ${this.#o.actor.id} for the Oso actor` : 'tool call without a name';
      this.#record(request, subject, false, reason, start, { action, source: actor === undefined ? 'no_actor' : 'invalid_call', call_id: call.id });
      return this.#denial(`tool call "${call.name}" denied: ${reason}`, 403, 'permission', DENIED_CODE);
    }
    const resource: OsoEntity = { type: this.#o.resource_type, id: call.name };
    const built = this.#facts.build({ actor, resource, request: tc.request, params: call.params });
    this.#noteDropped(request, built);
    const verdict = await this.#authorize(actor, resource, built.facts);
    const data: OsoDecisionData = {
      actor: entityLabel(actor),
      action,
      resource: entityLabel(resource),
      source: verdict.source,
      call_id: call.id,
      context_facts: built.facts.length,
      ...(built.dropped > 0 ? { context_facts_dropped: built.dropped } : {}),
      ...(verdict.failure === undefined ? {} : { failure: verdict.failure.kind }),
    };
    if (verdict.failure !== undefined) {
      const reason = `Oso ${failureText(verdict.failure)}; ${this.#o.fail_policy}`;
      this.#record(request, subject, verdict.allowed, reason, start, data);
      if (verdict.allowed) return undefined;
      return this.#denial(`tool call "${call.name}" could not be authorized: Oso ${failureText(verdict.failure)}`, 503, 'unavailable', UNAVAILABLE_CODE);
    }
    this.#record(request, subject, verdict.allowed, `${verdict.allowed ? 'allowed' : 'denied'} by Oso policy${verdict.source === 'oso' ? '' : ` (${verdict.source})`}`, start, data);
    if (verdict.allowed) return undefined;
    return this.#denial(`tool call "${call.name}" denied by Oso policy: ${entityLabel(actor)} may not "${action}" ${entityLabel(resource)}`, 403, 'permission', DENIED_CODE);
  }

  /**
   * `onRequest` (`filter_tools`): keeps the declared tools the caller may call. With
   * `filter_method: "list"` one `list` call answers for every tool (and, when the context facts do
   * not depend on the tool or the call, seeds the per-tool decisions the tool calls will need);
   * with `"authorize"` each declared tool is checked (cached like tool calls). When Oso cannot
   * answer, `fail_open` keeps every tool and `fail_closed` removes them all. Never refuses the
   * request.
   */
  async filterRequest(ctx: RequestContext): Promise<undefined> {
    const declared = [...new Set(ctx.tools.map((t) => t.name))];
    if (declared.length === 0 || !this.#applies(ctx.identity)) return undefined;
    const start = performance.now();
    const action = this.#o.action;
    const actor = actorOf(ctx.identity, this.#o.actor);
    if (actor === undefined) {
      ctx.filterTools(() => false);
      this.#record(ctx, 'tools', false, `caller has no ${this.#o.actor.id} for the Oso actor; every tool removed`, start, { action, source: 'no_actor', kept: [], removed: declared });
      return undefined;
    }
    const allowed = new Map<string, Verdict>();
    if (this.#o.filter_method === 'list') {
      const built = this.#facts.build({ actor, request: ctx });
      this.#noteDropped(ctx, built);
      const verdict = await this.#list(actor, built.facts);
      for (const name of declared) {
        const ok = verdict.ids === undefined ? this.#o.fail_policy === 'fail_open' : verdict.ids.has(name);
        allowed.set(name, { allowed: ok, source: verdict.source, ...(verdict.failure === undefined ? {} : { failure: verdict.failure }) });
        if (verdict.ids !== undefined && this.#facts.callIndependent) {
          this.#decisions.set(cacheKey(actor, action, entityLabel({ type: this.#o.resource_type, id: name }), built.facts), ok);
        }
      }
    } else {
      await Promise.all(
        declared.map(async (name) => {
          const resource = { type: this.#o.resource_type, id: name };
          const built = this.#facts.build({ actor, resource, request: ctx });
          allowed.set(name, await this.#authorize(actor, resource, built.facts));
        }),
      );
    }
    const kept = declared.filter((n) => allowed.get(n)?.allowed === true);
    const removed = declared.filter((n) => allowed.get(n)?.allowed !== true);
    if (removed.length > 0) {
      const keep = new Set(kept);
      ctx.filterTools((t) => keep.has(t.name));
    }
    const verdicts = [...allowed.values()];
    const failure = verdicts.find((v) => v.failure !== undefined)?.failure;
    const sources = new Set(verdicts.map((v) => v.source));
    const source = sources.size === 1 ? ([...sources][0] as OsoDecisionSource) : 'mixed';
    const reason =
      failure === undefined
        ? `${kept.length} of ${declared.length} tools allowed by Oso policy`
        : `Oso ${failureText(failure)}; ${this.#o.fail_policy}: ${removed.length === 0 ? 'every tool kept' : `${removed.length} of ${declared.length} tools removed`}`;
    this.#record(ctx, 'tools', removed.length === 0, reason, start, { actor: entityLabel(actor), action, source, kept, removed, ...(failure === undefined ? {} : { failure: failure.kind }) });
    return undefined;
  }

  async #authorize(actor: OsoEntity, resource: OsoEntity, facts: readonly OsoFact[]): Promise<Verdict> {
    const key = cacheKey(actor, this.#o.action, entityLabel(resource), facts);
    const out = await this.#decisions.load(key, () => this.#checker.authorize(actor, this.#o.action, resource, facts), (r) => (r.ok ? r.value : undefined));
    if (out.source === 'cache') return { allowed: out.hit, source: 'cache' };
    return this.#verdictOf(out.result, out.source === 'shared' ? 'shared' : 'oso');
  }

  async #list(actor: OsoEntity, facts: readonly OsoFact[]): Promise<{ readonly ids?: ReadonlySet<string>; readonly source: OsoDecisionSource; readonly failure?: CheckFailure }> {
    const key = cacheKey(actor, this.#o.action, `${this.#o.resource_type}:*`, facts);
    const out = await this.#lists.load(key, () => this.#checker.list(actor, this.#o.action, this.#o.resource_type, facts), (r) => (r.ok ? new Set(r.value) : undefined));
    if (out.source === 'cache') return { ids: out.hit, source: 'cache' };
    const r = out.result;
    const source = out.source === 'shared' ? 'shared' : 'oso';
    if (r.ok) {
      this.#healthy();
      return { ids: new Set(r.value), source };
    }
    this.#noteFailure(r.failure);
    return { source: this.#o.fail_policy, failure: r.failure };
  }

  #verdictOf(r: CheckResult<boolean>, source: 'oso' | 'shared'): Verdict {
    if (r.ok) {
      this.#healthy();
      return { allowed: r.value, source };
    }
    this.#noteFailure(r.failure);
    return { allowed: this.#o.fail_policy === 'fail_open', source: this.#o.fail_policy, failure: r.failure };
  }

  #denial(message: string, status: number, kind: 'permission' | 'unavailable', code: string): Denial {
    return { message, status, kind, code, action: this.#o.on_deny, by: PLUGIN_NAME };
  }

  #record(ctx: RequestContext, subject: string, allowed: boolean, reason: string, start: number, data: OsoDecisionData): void {
    ctx.recordDecision({ plugin: PLUGIN_NAME, subject, allowed, reason, durationMs: performance.now() - start, data });
  }

  #noteDropped(ctx: RequestContext, built: BuiltFacts): void {
    if (built.dropped > 0) ctx.log.warn({ plugin: PLUGIN_NAME, sent: built.facts.length, dropped: built.dropped, max: this.#o.max_context_facts }, 'Oso context facts over max_context_facts were left out');
  }

  #noteFailure(failure: CheckFailure): void {
    const now = this.#now();
    if (!this.#failing || now - this.#lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
      this.#lastFailureLog = now;
      this.#log.warn({ failure: failure.kind, status: failure.status, reason: failure.message, failPolicy: this.#o.fail_policy }, `Oso Cloud check failed; applying ${this.#o.fail_policy}`);
    }
    this.#failing = true;
  }

  #healthy(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#log.info('Oso Cloud answers again');
  }
}
