import { performance } from 'node:perf_hooks';
import {
  type CallerAccess,
  type Denial,
  type Identity,
  type ModelEntry,
  type PluginHost,
  type RequestContext,
  STAGE_AUTHORIZE,
  type TollgatePlugin,
  definePlugin,
  refuse,
} from '@tollgate/core';
import { GrantPolicy } from './grant-policy.js';
import { grantWarnings } from './grant-warnings.js';
import { type GrantsConfig, GrantsSchema, type GroupsConfig, GroupsSchema } from './schema.js';
import { EFFECTIVE_CAPABILITIES, type EffectiveCapabilities, PLUGIN_NAME } from './types.js';

/** Aperture's message for a caller without a role (403). */
export const NO_ROLE_MESSAGE = 'access denied: no role granted';

/** Machine code of the no-role refusal. */
export const NO_ROLE_CODE = 'access_denied';

/** The sections the grants plugin is built from (validated by core). */
export interface GrantsPluginConfig {
  /** The `grants` section. */
  readonly grants: GrantsConfig;
  /** The `groups` section (tollgate): `group:NAME` → member logins. */
  readonly groups?: GroupsConfig;
}

const NO_ROLE_DENIAL: Denial = Object.freeze({ status: 403, kind: 'permission', message: NO_ROLE_MESSAGE, code: NO_ROLE_CODE, by: PLUGIN_NAME });

const REASON_OF_ROLE = { admin: 'role admin', user: 'role user' } as const;

/**
 * Aperture grants: refuses callers without a role (403 `access denied: no role granted`) and
 * models they are not granted (404, indistinguishable from an unknown model), applies granted
 * `add_headers` upstream, filters `GET /v1/models`, and publishes the request's
 * {@link EffectiveCapabilities} under {@link EFFECTIVE_CAPABILITIES} for other plugins (the
 * webhook plugin fires the hooks wired there).
 */
export class GrantsPlugin implements TollgatePlugin {
  /** Tap name, log binding, config key and error field. */
  readonly name = PLUGIN_NAME;
  readonly #policy: GrantPolicy;
  #host: PluginHost | undefined;

  constructor(config: GrantsPluginConfig) {
    this.#policy = new GrantPolicy(config.grants, config.groups ?? {});
  }

  /** Taps `onRequest`, `listModels` and `access` at stage authorize. */
  apply(host: PluginHost): void {
    this.#host = host;
    host.hooks.onRequest.tap({ name: this.name, stage: STAGE_AUTHORIZE }, (ctx) => this.authorize(ctx));
    host.hooks.listModels.tap({ name: this.name, stage: STAGE_AUTHORIZE }, (models, context) => this.filterModels(models, context.identity));
    host.hooks.access.tap({ name: this.name, stage: STAGE_AUTHORIZE }, (access, context) => this.access(access, context.identity));
  }

  /**
   * The caller's control-plane access: its highest role, and the boolean capabilities
   * (`read_metrics`, `enable_chat_ui`) of every grant whose `src` matches, added to `access`.
   */
  access(access: CallerAccess, identity: Identity): CallerAccess {
    const caller = this.#policy.caller(identity);
    const role = access.role === 'admin' || caller.role === 'admin' ? 'admin' : (access.role ?? caller.role);
    const capabilities = caller.flags.size === 0 ? access.capabilities : new Set([...access.capabilities, ...caller.flags]);
    return { ...(role === undefined ? {} : { role }), capabilities };
  }

  /** The effective capabilities of a caller for `provider/model` (what `onRequest` publishes). */
  effective(identity: Identity, providerId: string, model: string): EffectiveCapabilities {
    return this.#policy.evaluate(identity, providerId, model);
  }

  /** True when the caller has a role and is granted `provider/model`. */
  allows(identity: Identity, providerId: string, model: string): boolean {
    return this.#policy.allows(identity, providerId, model);
  }

  /**
   * The grant decision of one request: publishes the effective capabilities, records the
   * decision, adds granted headers, and returns a denial when the caller has no role or is not
   * granted the model.
   */
  authorize(ctx: RequestContext): Denial | undefined {
    const start = performance.now();
    const caps = this.#policy.evaluate(ctx.identity, ctx.provider.id, ctx.model);
    ctx.state.set(EFFECTIVE_CAPABILITIES, caps);
    if (caps.role === undefined) {
      ctx.recordDecision({ plugin: PLUGIN_NAME, subject: 'model', allowed: false, reason: 'no role granted', durationMs: performance.now() - start, data: { model: caps.model } });
      return NO_ROLE_DENIAL;
    }
    if (!caps.modelAllowed) {
      ctx.recordDecision({ plugin: PLUGIN_NAME, subject: 'model', allowed: false, reason: `model not granted (${REASON_OF_ROLE[caps.role]})`, durationMs: performance.now() - start, data: { model: caps.model } });
      // Same answer as for a model the gateway does not serve: a refusal must not reveal more.
      return { status: 404, kind: 'not_found', message: `model "${ctx.requestedModel}" does not exist or is not served by this gateway`, code: 'model_not_found', by: PLUGIN_NAME };
    }
    for (const [name, value] of caps.addHeaders) ctx.addUpstreamHeader(name, value);
    ctx.recordDecision({ plugin: PLUGIN_NAME, subject: 'model', allowed: true, reason: REASON_OF_ROLE[caps.role], durationMs: performance.now() - start, data: { model: caps.model } });
    return undefined;
  }

  /**
   * `GET /v1/models`: only granted models. A model whose preferred provider is not granted is
   * listed as `provider/model` of another provider that serves it and is granted (the name
   * that routes there); a caller without a role is refused with 403.
   */
  filterModels(models: ModelEntry[], identity: Identity): ModelEntry[] {
    const caller = this.#policy.caller(identity);
    if (caller.role === undefined) throw refuse(NO_ROLE_DENIAL);
    const out: ModelEntry[] = [];
    for (const entry of models) {
      if (this.#policy.allows(identity, entry.provider, entry.id)) {
        out.push(entry);
        continue;
      }
      const other = this.#host?.providers.all().find((p) => !p.disabled && p.id !== entry.provider && p.models.has(entry.id) && this.#policy.allows(identity, p.id, entry.id));
      if (other === undefined) continue;
      out.push({ id: `${other.id}/${entry.id}`, provider: other.id, providerName: other.name, providerDescription: other.description, supportedEndpoints: other.endpoints });
    }
    return out;
  }
}

/**
 * The grants plugin definition: owns the `grants` and `groups` sections, warns at load the way
 * Aperture does, and creates a {@link GrantsPlugin}.
 */
export const grantsPlugin = definePlugin<Record<string, never>>({
  name: PLUGIN_NAME,
  core: '^0.1.0',
  sections: { grants: GrantsSchema, groups: GroupsSchema },
  check: ({ sections, config }) =>
    grantWarnings({
      owner: `plugins.${PLUGIN_NAME}`,
      grants: sections.grants as GrantsConfig,
      groups: sections.groups as GroupsConfig,
      providers: config.providers,
      hooks: config.hooks,
      quotas: config.quotas,
    }),
  create: (_options, { sections }) => new GrantsPlugin({ grants: sections.grants as GrantsConfig, groups: sections.groups as GroupsConfig }),
});
