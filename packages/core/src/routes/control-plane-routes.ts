import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { RouteDefinition } from '../http/route-definition.js';
import type { ProviderCatalog } from '../providers/provider-registry.js';
import type { Identity } from '../types/identity.js';
import type { ModelDescription } from '../types/model-entry.js';

/**
 * Core's control-plane routes, answered in problem+json like plugins' routes:
 * - `GET /api/whoami`: the caller as the gateway sees it (`{login, display_name, role, capabilities}`);
 * - `GET /api/models`: every model of every enabled provider, with the provider, its API
 *   compatibility, its endpoints, whether the caller may use it (its `listModels` answer) and what
 *   `describeModels` taps add (pricing).
 */
export function controlPlaneRoutes(hooks: TollgateHooks, providers: ProviderCatalog): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/api/whoami',
      handler: (ctx) => {
        const identity = ctx.state.identity as Identity;
        ctx.body = { login: identity.login, display_name: identity.displayName ?? null, role: ctx.state.access.role ?? null, capabilities: [...ctx.state.access.capabilities].sort() };
      },
    },
    {
      method: 'GET',
      path: '/api/models',
      handler: async (ctx) => {
        const identity = ctx.state.identity as Identity;
        const context = { identity, log: ctx.state.log };
        let allowed: ReadonlySet<string>;
        try {
          const granted = hooks.listModels.isUsed() ? await hooks.listModels.promise(providers.models(), context) : providers.models();
          allowed = new Set(granted.map((m) => `${m.provider}/${m.id.startsWith(`${m.provider}/`) ? m.id.slice(m.provider.length + 1) : m.id}`));
        } catch {
          allowed = new Set(); // a caller without a role may use nothing; the list is still shown
        }
        let models: ModelDescription[] = [];
        for (const p of providers.all()) {
          if (p.disabled) continue;
          for (const id of p.models) {
            models.push({ id, provider: p.id, providerName: p.name, compatibility: [...p.compatibility], endpoints: p.endpoints, allowed: allowed.has(`${p.id}/${id}`) });
          }
        }
        if (hooks.describeModels.isUsed()) models = await hooks.describeModels.promise(models, context);
        ctx.body = {
          models: models.map((m) => ({
            id: m.id,
            provider: m.provider,
            provider_name: m.providerName,
            compatibility: m.compatibility,
            endpoints: m.endpoints,
            allowed: m.allowed,
            pricing:
              m.pricing === undefined
                ? null
                : { input_per_mtok: m.pricing.inputPerMtok ?? null, output_per_mtok: m.pricing.outputPerMtok ?? null, cached_input_per_mtok: m.pricing.cachedInputPerMtok ?? null, cost_basis: m.pricing.costBasis ?? null },
          })),
        };
      },
    },
  ];
}
