import { PluginHookError } from '../errors.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { RouteDefinition } from '../http/route-definition.js';
import { collectHealth } from '../types/health.js';
import { CORE_VERSION } from '../version.js';

/** Why the gateway is not ready (`undefined`: ready). */
async function notReadyReason(hooks: TollgateHooks, isReady: () => boolean): Promise<string | undefined> {
  if (!isReady()) return 'starting';
  try {
    const down = (await collectHealth(hooks)).find((c) => !c.up);
    return down === undefined ? undefined : `${down.component} is down${down.reason === undefined ? '' : `: ${down.reason}`}`;
  } catch (err) {
    // Public route: name the plugin, never its error (it may hold a connection string).
    return err instanceof PluginHookError ? `the readiness check of plugin "${err.plugin}" failed` : 'a readiness check failed';
  }
}

/**
 * `GET /healthz` (the process serves: always 200) and `GET /readyz` (200 once the runtime's `ready`
 * taps finished and every component `checkHealth` taps report is up; else 503 with the reason). Both public: load balancers and orchestrators call them
 * without credentials.
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
        const reason = await notReadyReason(hooks, isReady);
        ctx.status = reason === undefined ? 200 : 503;
        if (reason !== undefined) ctx.set('retry-after', '1');
        ctx.body = reason === undefined ? { status: 'ready', version: CORE_VERSION } : { status: 'not ready', reason, version: CORE_VERSION };
      },
    },
  ];
}
