import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { RouteDefinition } from '../http/route-definition.js';
import type { ProviderCatalog } from '../providers/provider-registry.js';
import type { Identity } from '../types/identity.js';

/**
 * `GET /v1/models` (and `/models`): the models the caller may use (every enabled provider's models,
 * filtered by `listModels` taps such as grants), in OpenAI's list format with `supported_endpoints`
 * and the provider's metadata.
 */
export function modelsRoutes(hooks: TollgateHooks, providers: ProviderCatalog): RouteDefinition[] {
  const handler: RouteDefinition['handler'] = async (ctx) => {
    const identity = ctx.state.identity as Identity;
    const models = hooks.listModels.isUsed() ? await hooks.listModels.promise(providers.models(), { identity, log: ctx.state.log }) : providers.models();
    ctx.state.accessLog.models = models.length;
    ctx.body = {
      object: 'list',
      data: models.map((m) => ({
        id: m.id,
        object: 'model',
        created: 0,
        owned_by: m.provider,
        supported_endpoints: m.supportedEndpoints,
        metadata: { provider: { id: m.provider, name: m.providerName, description: m.providerDescription } },
      })),
    };
  };
  return ['/v1/models', '/models'].map((path) => ({ method: 'GET', path, access: 'identified', handler }));
}
