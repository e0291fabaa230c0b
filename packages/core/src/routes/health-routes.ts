import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { RouteDefinition } from '../http/route-definition.js';
import { CORE_VERSION } from '../version.js';

/**
 * `GET /healthz` (the process serves: always 200) and `GET /readyz` (200 once the runtime's `ready`
 * taps finished and no `checkReady` tap reports a problem, such as an unreachable store; else 503
 * with the reason). Both public: load balancers and orchestrators call them without credentials.
 */
export function healthRoutes(hooks: TollgateHooks, isReady: () => boolean): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      handler: (ctx) => {
        ctx.body = { status: 'ok', version: CORE_VERSION };
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      handler: async (ctx) => {
        const reason = !isReady() ? 'starting' : hooks.checkReady.isUsed() ? await hooks.checkReady.promise() : undefined;
        ctx.status = reason === undefined || reason === null ? 200 : 503;
        ctx.body = ctx.status === 200 ? { status: 'ready', version: CORE_VERSION } : { status: 'not ready', reason, version: CORE_VERSION };
      },
    },
  ];
}
