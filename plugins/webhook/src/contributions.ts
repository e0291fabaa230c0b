import { type EffectiveCapabilities, type HookWiring, type PluginHost, TollgateError, formatIssue, validateSection } from '@tollgate/core';
import { assertNotStarted, getWebhookHooks } from './extension-hooks.js';
import { type HookEndpointConfig, HookEndpointSchema } from './schema.js';
import type { EndpointRegistry, HookEndpointInput, WebhookHooks, WiringSubject } from './types.js';

/**
 * Hook endpoints and wiring another plugin adds without touching the user's `hooks` and `grants`
 * sections (e.g. the Oso plugin's short form). Give it to {@link contributeToWebhook} from your
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

/**
 * Adds a {@link WebhookContribution} by tapping the webhook plugin's extension hooks (`endpoints`,
 * `wire`): call it from your plugin's `apply`, in any plugin order. Endpoints are validated when
 * the webhook plugin starts; an invalid one, or a name already taken, fails start-up with
 * `TG_ERR_PLUGIN`. After the gateway is ready it throws `TG_ERR_PLUGIN`.
 */
export function contributeToWebhook(host: Pick<PluginHost, 'hooks'>, contribution: WebhookContribution): void {
  assertNotStarted(host, contribution.plugin);
  const hooks = getWebhookHooks(host);
  const endpoints = contribution.endpoints;
  if (endpoints !== undefined) hooks.endpoints.tap(contribution.plugin, (registry) => registry.add(contribution.plugin, endpoints));
  const wire = contribution.wire;
  if (wire !== undefined) {
    hooks.wire.tap(contribution.plugin, (wirings, subject) => {
      const added = wire(subject);
      return added === undefined ? wirings : [...wirings, ...added];
    });
  }
}

/**
 * Collects the endpoints other plugins add through the `endpoints` extension hook, validated like
 * `hooks` entries (defaults applied), with names checked against the `hooks` section and each
 * other. Throws `TG_ERR_PLUGIN_CONFIG` listing every problem.
 */
export function collectContributedEndpoints(hooks: WebhookHooks, configured: (name: string) => boolean): Map<string, HookEndpointConfig> {
  const out = new Map<string, HookEndpointConfig>();
  const owners = new Map<string, string>();
  const problems: string[] = [];
  const registry: EndpointRegistry = {
    add(plugin, endpoints) {
      for (const [name, input] of Object.entries(endpoints)) {
        const owner = `plugins.${plugin}/webhook/${name}`;
        const holder = name === '' ? 'nobody (empty name)' : configured(name) ? 'the hooks section' : owners.has(name) ? `plugin "${owners.get(name)}"` : undefined;
        if (holder !== undefined) {
          problems.push(`${owner}: hook name is already used by ${holder}`);
          continue;
        }
        const result = validateSection<HookEndpointConfig>(owner, HookEndpointSchema, input);
        const errors = result.issues.filter((i) => i.severity === 'error' || i.message.startsWith('unknown'));
        if (errors.length > 0) problems.push(...errors.map(formatIssue));
        else {
          out.set(name, result.value);
          owners.set(name, plugin);
        }
      }
    },
  };
  hooks.endpoints.call(registry);
  if (problems.length > 0) throw new TollgateError('TG_ERR_PLUGIN_CONFIG', `invalid webhook contribution:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Capabilities used when no plugin published any (no role, no custom capabilities). */
const NO_CAPABILITIES: EffectiveCapabilities = Object.freeze({ modelAllowed: true, hooks: new Map(), quotas: [], addHeaders: [], custom: {}, matchedGrants: [] });

/**
 * The capabilities of a request or exchange with the `wire` extension hook's wiring merged in: per
 * hook name, events and send lists united (fires once). Returns `caps` itself when nothing is added.
 */
export function withContributedWiring(caps: EffectiveCapabilities | undefined, subject: WiringSubject, hooks: WebhookHooks): EffectiveCapabilities | undefined {
  if (!hooks.wire.isUsed()) return caps;
  const wired = hooks.wire.call([], subject);
  if (wired.length === 0) return caps;
  const merged = new Map(caps?.hooks ?? []);
  for (const w of wired) {
    const prev = merged.get(w.name);
    merged.set(w.name, prev === undefined ? w : { name: w.name, events: new Set([...prev.events, ...w.events]), send: new Set([...prev.send, ...w.send]) });
  }
  return { ...(caps ?? NO_CAPABILITIES), hooks: merged };
}
