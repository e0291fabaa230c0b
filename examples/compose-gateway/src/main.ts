/**
 * A gateway composed in TypeScript: the grants, webhook and oso plugins imported as packages, and
 * an inline plugin. Run it with `npx tsx src/main.ts` (or `npm start`) in this directory.
 *
 * Environment: PORT (default 8080; 0 = any free port), HOOK_URL (a receiver for tool-call
 * events, e.g. `npx tollgate hooks receive`'s http://127.0.0.1:8788/hook), OSO_API_KEY (send the
 * same events to Oso for Agents too), TOLLGATE_DATA_DIR (hook spools).
 */
import { type PluginInput, createGateway } from '@tollgate/core';
import grants from '@tollgate/plugin-grants';
import oso from '@tollgate/plugin-oso';
import webhook from '@tollgate/plugin-webhook';
import { noRmRf } from './no-rm-rf.js';

const hookUrl = process.env.HOOK_URL;

/** The configuration, as an object: the same shape as a tollgate.jsonc file. */
const config = {
  providers: {
    // The built-in mock LLM: it calls the tool your message names, with your message as its argument.
    mock: { baseurl: 'mock://', models: ['mock-1'] },
  },
  ...(hookUrl === undefined ? {} : { hooks: { audit: { url: hookUrl } } }),
  grants: [
    {
      src: ['(loopback)'],
      app: {
        'tailscale.com/cap/aperture': [
          { role: 'admin' },
          { models: '**' },
          ...(hookUrl === undefined ? [] : [{ send_hooks: [{ name: 'audit', events: ['tool_call_entire_request'], send: ['user_message', 'tools'] }] }]),
        ],
      },
    },
  ],
};

/** Plugins in order; given here, they replace the config's `plugins` list. */
const plugins: PluginInput[] = [
  grants,
  webhook,
  // Oso's short form: Oso's endpoint, key and recommended send list (only when a key is set).
  process.env.OSO_API_KEY === undefined ? oso : [oso, { apiKey: 'env:OSO_API_KEY' }],
  noRmRf,
];

const gateway = await createGateway({ config, plugins });
await gateway.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
process.stderr.write(`compose-gateway listening on ${gateway.url} (plugins: ${gateway.plugins.map((p) => p.name).join(', ')})\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void gateway.close().then(() => process.stderr.write('compose-gateway stopped\n'));
  });
}
