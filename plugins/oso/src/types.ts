import type { Decision, Exchange, RequestContext } from '@tollgate/core';

/** Plugin name: tap name, log binding, config key, the `plugin` of recorded decisions. */
export const PLUGIN_NAME = 'oso';

/** An Oso value: an entity (`{type: "User", id: "alice@example.com"}`) or a typed primitive (`{type: "String", id: "gpt-5"}`). */
export interface OsoEntity {
  /** Oso type (`User`, `Tool`, `String`, `Integer`, `Boolean`). */
  readonly type: string;
  /** Id (primitives: the value as a string). */
  readonly id: string;
}

/** A context fact as Oso's Check API takes it: `{"predicate": "has_model", "args": [{type, id}, ...]}`. */
export interface OsoFact {
  /** Predicate name. */
  readonly predicate: string;
  /** Arguments. */
  readonly args: readonly OsoEntity[];
}

/**
 * The part of an Oso Cloud client the plugin uses. The default is the official `oso-cloud` SDK
 * ({@link createOsoClient}); tests may inject their own through {@link OsoPluginDeps.createClient}.
 * A failed call rejects (the SDK's `OsoError` carries `statusCode`).
 */
export interface OsoCheckClient {
  /** `POST /api/authorize`: may `actor` perform `action` on `resource`? */
  authorize(actor: OsoEntity, action: string, resource: OsoEntity, contextFacts: readonly OsoFact[]): Promise<boolean>;
  /** `POST /api/list`: ids of the resources of `resourceType` on which `actor` may perform `action`. */
  list(actor: OsoEntity, action: string, resourceType: string, contextFacts: readonly OsoFact[]): Promise<string[]>;
  /** Loads what the client needs before the gateway serves (called from `ready`). */
  ready?(): Promise<void>;
  /** Releases sockets (called when the runtime closes). */
  close?(): void;
}

/** What a client factory gets. */
export interface OsoClientSettings {
  /** Oso Cloud base URL (`https://api.osohq.com`). */
  readonly url: string;
  /** API key. */
  readonly apiKey: string;
  /** Longest a call may take, retries included (ms). */
  readonly timeoutMs: number;
  /** Retries of a failed call while time remains. */
  readonly retries: number;
  /** `User-Agent` of calls. */
  readonly userAgent: string;
}

/** Injectable dependencies of the Oso plugin. */
export interface OsoPluginDeps {
  /** Makes the Oso Cloud client (default: the `oso-cloud` SDK with bounded retries). */
  readonly createClient?: (settings: OsoClientSettings) => OsoCheckClient;
  /** Epoch milliseconds, for cache expiry (default `Date.now`). */
  readonly now?: () => number;
}

/** Where a decision came from. */
export type OsoDecisionSource =
  /** Oso answered this check. */
  | 'oso'
  /** Another check for the same (actor, tool, facts) was in flight; its answer was shared. */
  | 'shared'
  /** A cached answer (from an earlier check or the request's tool filter). */
  | 'cache'
  /** Oso could not answer and `fail_policy` is `fail_open`. */
  | 'fail_open'
  /** Oso could not answer and `fail_policy` is `fail_closed`. */
  | 'fail_closed'
  /** The caller has no id for the configured actor mapping (denied without asking). */
  | 'no_actor'
  /** The tool call has no name (denied without asking). */
  | 'invalid_call';

/** `data` of the decisions the Oso plugin records (`subject: "tool:<name>"` and `subject: "tools"`). A type alias, so it is a `Decision['data']`. */
export type OsoDecisionData = {
  /** The actor checked (`User:alice@example.com`). */
  readonly actor?: string;
  /** The action checked. */
  readonly action: string;
  /** The resource checked (`Tool:delete_file`); absent for the tool filter. */
  readonly resource?: string;
  /** Where the answer came from. */
  readonly source: OsoDecisionSource | 'mixed';
  /** The tool call's id (tool-call decisions). */
  readonly call_id?: string;
  /** Context facts sent. */
  readonly context_facts?: number;
  /** Context facts left out because of `max_context_facts`. */
  readonly context_facts_dropped?: number;
  /** Why Oso could not answer (`timeout`, `unavailable`, `rejected`, `error`). */
  readonly failure?: string;
  /** Tool filter: the declared tools kept. */
  readonly kept?: readonly string[];
  /** Tool filter: the declared tools removed. */
  readonly removed?: readonly string[];
};

/** The decisions the Oso plugin recorded for a request or exchange. */
export function osoDecisions(source: Pick<RequestContext, 'decisions'> | Pick<Exchange, 'decisions'>): Decision[] {
  return source.decisions.filter((d) => d.plugin === PLUGIN_NAME);
}
