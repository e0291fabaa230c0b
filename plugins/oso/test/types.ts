// Compile-only checks of the public API (type-checked by tsconfig.test.json, never run).
import type { Decision, Exchange, PluginDefinition } from '@tollgate/core';
import type { WebhookContribution } from '@tollgate/plugin-webhook';
import osoPlugin, { type OsoCheckClient, type OsoDecisionData, type OsoOptions, type OsoPlugin, defineOsoPlugin, osoDecisions } from '@tollgate/plugin-oso';

declare const exchange: Exchange;

const def: PluginDefinition<OsoOptions> = osoPlugin;
const injected: PluginDefinition<OsoOptions> = defineOsoPlugin({ createClient: () => client, now: () => 0 });

// A client needs authorize and list; close is optional.
const client: OsoCheckClient = { authorize: async () => true, list: async () => [] };
// @ts-expect-error list is required
const partial: OsoCheckClient = { authorize: async () => true };

// Decisions of the Oso plugin carry typed data.
const decisions: Decision[] = osoDecisions(exchange);
const data = decisions[0]?.data as OsoDecisionData | undefined;
const source: string | undefined = data?.source;
// @ts-expect-error decision data is read-only
if (data) data.source = 'cache';

// Options as validated (defaults applied): enforce is optional, its fields are not.
declare const options: OsoOptions;
const ttl: string | undefined = options.enforce?.cache_ttl;
const onDeny: 'block' | 'strip' | undefined = options.enforce?.on_deny;

// The short form uses the webhook plugin's public contribution type.
const contribution: WebhookContribution = { plugin: 'oso', wire: () => undefined };

declare const plugin: OsoPlugin;
const cached: number | undefined = plugin.policy?.cachedDecisions;

export { def, injected, partial, source, ttl, onDeny, contribution, cached };
