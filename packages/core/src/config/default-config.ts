/** Model ids the built-in default's mock provider serves. */
export const DEFAULT_MOCK_MODELS = ['mock-1'] as const;

/**
 * The built-in default configuration (`tollgate start` without `--config`): the mock LLM, which
 * needs no key and no network, usable by everyone calling from this machine.
 */
export function defaultConfig(): Record<string, unknown> {
  return {
    providers: {
      mock: {
        name: 'Mock LLM',
        description: 'Built-in deterministic mock model: answers with a tool call when the request declares tools',
        baseurl: 'mock://',
        models: [...DEFAULT_MOCK_MODELS],
      },
    },
    // As in Aperture's default config, a role and model access are separate capabilities: a
    // role alone grants no model (deny by default).
    grants: [{ src: ['(loopback)'], app: { 'tailscale.com/cap/aperture': [{ role: 'admin' }, { models: '**' }] } }],
  };
}
