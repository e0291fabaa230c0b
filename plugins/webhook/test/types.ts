// Compile-only checks of the public types (`npx tsc -p tsconfig.test.json`); never run.
import type { Gateway, PluginHost } from '@tollgate/core';
import { type HookCallData, type HookStats, SKIP_DELIVERY, type WebhookTransport, getWebhookHooks, webhookStats } from '@tollgate/plugin-webhook';

declare const host: PluginHost;
declare const gateway: Gateway;
const hooks = getWebhookHooks(host);

// A shaping tap gets the typed standard payload and may return any JSON value or SKIP_DELIVERY.
hooks.shapePayload.tap('t', (body, ctx) => {
  const login: string = ctx.data.metadata.login_name;
  const calls: readonly { name: string }[] | undefined = ctx.data.tool_calls;
  if (ctx.event === 'pre_request') return body;
  return calls === undefined ? SKIP_DELIVERY : { text: `${login}: ${calls.length}` };
});

// A transport tap returns a transport or undefined.
hooks.transport.tap('t', ({ url }): WebhookTransport | undefined => (url?.protocol === 'x:' ? { send: async () => ({ status: 200 }) } : undefined));
// @ts-expect-error a transport must have send()
hooks.transport.tap('t', () => ({ deliver: async () => ({ status: 200 }) }));

// Another plugin adds endpoints and wiring through the extension hooks.
hooks.endpoints.tap('t', (registry) => registry.add('t', { mine: { url: 'https://example.test/hook' } }));
hooks.wire.tap('t', (wirings, subject) => (subject.identity?.login === 'alice' ? [...wirings, { name: 'mine', events: new Set(['entire_request']), send: new Set(['tools']) }] : wirings));

const stats: Record<string, HookStats> | undefined = webhookStats(gateway);
const sent: number | undefined = stats?.oso?.sent;
// @ts-expect-error counters are read-only
if (stats?.oso) stats.oso.sent = 1;

const data: HookCallData = { metadata: { login_name: '', user_agent: '', url: '', model: '', provider: '', tailnet_name: '', stable_node_id: '', request_id: '', session_id: '' } };
// @ts-expect-error metadata needs all nine fields
const partial: HookCallData = { metadata: { login_name: '' } };

export { sent, data, partial };
