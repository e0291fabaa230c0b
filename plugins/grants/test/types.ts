// Compile-only checks of the public API other plugins build on (type-checked by
// tsconfig.test.json, never run). A change that breaks a consumer fails `npm run typecheck`.
import type { Exchange, RequestContext } from '@tollgate/core';
import grantsPlugin, { EFFECTIVE_CAPABILITIES, type EffectiveCapabilities, type GrantRole, type GrantsPlugin, type HookEvent, type HookWiring, effectiveCapabilities } from '@tollgate/plugin-grants';

declare const ctx: RequestContext;
declare const exchange: Exchange;
declare const plugin: GrantsPlugin;

const fromRequest: EffectiveCapabilities | undefined = effectiveCapabilities(ctx);
const fromExchange: EffectiveCapabilities | undefined = effectiveCapabilities(exchange);
const fromState: EffectiveCapabilities | undefined = ctx.state.get(EFFECTIVE_CAPABILITIES);

if (fromRequest !== undefined) {
  const role: GrantRole | undefined = fromRequest.role;
  const wiring: HookWiring | undefined = fromRequest.hooks.get('oso');
  const fires: boolean = wiring?.events.has('tool_call_entire_request' satisfies HookEvent) ?? false;
  const custom: readonly unknown[] | undefined = fromRequest.custom['mycompany.com/cap/policy'];
  const headers: ReadonlyArray<readonly [string, string]> = fromRequest.addHeaders;
  const model: string | undefined = fromRequest.model;
  void [role, fires, custom, headers, model, fromRequest.modelAllowed, fromRequest.matchedGrants, fromRequest.quotas];
  // @ts-expect-error the published capabilities are read-only
  fromRequest.role = 'admin';
}
void [fromExchange, fromState];

const allowed: boolean = plugin.allows(ctx.identity, 'openai', 'gpt-5');
void allowed;
void grantsPlugin.name;
