import { type Identity, type StateBag, TollgateError, formatIssue, validateSection } from '@tollgate/core';
import type { EffectiveCapabilities, HookWiring } from '@tollgate/plugin-grants';
import { type HookEndpointConfig, HookEndpointSchema } from './schema.js';

/** What a {@link WebhookContribution.wire} function sees: the request (`pre_request`) or the exchange (post-response events). */
export interface WiringSubject {
  /** The caller (absent when the request failed before identification). */
  readonly identity?: Identity;
  /** Model id sent upstream. */
  readonly model: string;
  /** The provider (absent when routing failed). */
  readonly provider?: { readonly id: string };
  /** Request state (the grants plugin's capabilities, other plugins' values). */
  readonly state: StateBag;
}

/** A hook endpoint as a contribution gives it: a `hooks` entry (`url` required, defaults as in the `hooks` section). */
export type HookEndpointInput = Partial<HookEndpointConfig> & { readonly url: string };

/**
 * Hook endpoints and wiring another plugin adds without touching the user's `hooks` and `grants`
 * sections (e.g. the Oso plugin's short form). Give it to {@link WebhookPlugin.contribute} from your
 * plugin's `apply`.
 */
export interface WebhookContribution {
  /** The contributing plugin (errors and logs). */
  readonly plugin: string;
  /** Endpoints to add, by hook name; a name must not be taken by the `hooks` section or another contribution. */
  readonly endpoints?: Readonly<Record<string, HookEndpointInput>>;
  /**
   * Hooks to fire for a request, in addition to those its grants wire (`send_hooks`). Called per
   * request (and per exchange); merged with the grants' wiring by hook name, events and send lists
   * united, so a hook named twice still fires once. May name hooks of the `hooks` section.
   */
  readonly wire?: (subject: WiringSubject) => Iterable<HookWiring> | undefined;
}

/** Capabilities used when the grants plugin did not run (no role, no custom capabilities). */
const NO_CAPABILITIES: EffectiveCapabilities = Object.freeze({ modelAllowed: true, hooks: new Map(), quotas: [], addHeaders: [], custom: {}, matchedGrants: [] });

/**
 * Validates a contribution's endpoints like `hooks` entries (defaults applied) and checks their
 * names against `taken` (returns who holds a name). Throws `TG_ERR_PLUGIN_CONFIG` listing every problem.
 */
export function contributedEndpoints(contribution: WebhookContribution, taken: (name: string) => string | undefined): Map<string, HookEndpointConfig> {
  const out = new Map<string, HookEndpointConfig>();
  const problems: string[] = [];
  for (const [name, input] of Object.entries(contribution.endpoints ?? {})) {
    const owner = `plugins.${contribution.plugin}/webhook/${name}`;
    const holder = name === '' ? 'nobody (empty name)' : taken(name);
    if (holder !== undefined) {
      problems.push(`${owner}: hook name is already used by ${holder}`);
      continue;
    }
    const result = validateSection<HookEndpointConfig>(owner, HookEndpointSchema, input);
    const errors = result.issues.filter((i) => i.severity === 'error' || i.message.startsWith('unknown'));
    if (errors.length > 0) problems.push(...errors.map(formatIssue));
    else out.set(name, result.value);
  }
  if (problems.length > 0) throw new TollgateError('TG_ERR_PLUGIN_CONFIG', `invalid webhook contribution:\n  ${problems.join('\n  ')}`);
  return out;
}

/**
 * The capabilities of a request or exchange with the contributions' wiring merged in: per hook
 * name, events and send lists united (fires once). Returns `caps` itself when nothing is added.
 */
export function withContributedWiring(caps: EffectiveCapabilities | undefined, subject: WiringSubject, contributions: readonly WebhookContribution[]): EffectiveCapabilities | undefined {
  let hooks: Map<string, HookWiring> | undefined;
  for (const c of contributions) {
    const wired = c.wire?.(subject);
    if (wired === undefined) continue;
    for (const w of wired) {
      hooks ??= new Map(caps?.hooks ?? []);
      const prev = hooks.get(w.name);
      hooks.set(w.name, prev === undefined ? w : { name: w.name, events: new Set([...prev.events, ...w.events]), send: new Set([...prev.send, ...w.send]) });
    }
  }
  return hooks === undefined ? caps : { ...(caps ?? NO_CAPABILITIES), hooks };
}
