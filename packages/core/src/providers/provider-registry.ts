import type { ProviderConfig } from '../config/core-schema.js';
import type { ModelEntry } from '../hooks/create-hooks.js';
import { parseHeaderLines } from './header-lines.js';
import type { Upstream } from './upstream.js';

/** A provider ready for routing. */
export interface ResolvedProvider {
  /** Provider id (its key in `providers`). */
  readonly id: string;
  /** Display name (the id when not configured). */
  readonly name: string;
  /** Description. */
  readonly description: string;
  /** Its configuration. */
  readonly config: ProviderConfig;
  /** Client API formats it accepts. */
  readonly compatibility: ReadonlySet<string>;
  /** Models it serves. */
  readonly models: ReadonlySet<string>;
  /** Path of the base URL (joined with API paths). */
  readonly basePath: string;
  /** True for the built-in mock LLM. */
  readonly mock: boolean;
  /** Valid `add_headers`, parsed. */
  readonly addHeaders: ReadonlyArray<readonly [string, string]>;
  /** Where requests go. */
  readonly upstream: Upstream;
}

/** Why routing failed. */
export type RouteFailure =
  | { readonly reason: 'unknown_model'; readonly model: string }
  | { readonly reason: 'unsupported_format'; readonly model: string; readonly providers: readonly string[] };

/** Result of {@link ProviderRegistry.route}. */
export type RouteResult = { readonly provider: ResolvedProvider; readonly model: string } | RouteFailure;

/** Creates the upstream of a provider. */
export type UpstreamFactory = (id: string, config: ProviderConfig, baseUrl: URL) => Upstream;

/** Client path opened by each compatibility flag, for `supported_endpoints`. */
export const ENDPOINT_OF_FORMAT: Readonly<Record<string, string>> = {
  openai_chat: '/v1/chat/completions',
  openai_responses: '/v1/responses',
  anthropic_messages: '/v1/messages',
  gemini_generate_content: '/v1beta/models/{model}:generateContent',
};

/**
 * The providers of one configuration: routes a model to the provider that serves it on the
 * client's API format (highest `preference`, then declaration order) and lists models.
 */
export class ProviderRegistry {
  readonly #providers: ResolvedProvider[] = [];
  readonly #byId = new Map<string, ResolvedProvider>();
  readonly #formats: ReadonlySet<string>;

  /**
   * @param providers the `providers` section
   * @param createUpstream makes each provider's upstream (undici pool or mock)
   * @param allFormats format names, the default compatibility of the mock provider
   */
  constructor(providers: Readonly<Record<string, ProviderConfig>>, createUpstream: UpstreamFactory, allFormats: readonly string[]) {
    this.#formats = new Set(allFormats);
    for (const [id, config] of Object.entries(providers)) {
      const baseUrl = new URL(config.baseurl);
      const mock = baseUrl.protocol === 'mock:';
      const flags = config.compatibility ?? (mock ? Object.fromEntries(allFormats.map((f) => [f, true])) : { openai_chat: true });
      const provider: ResolvedProvider = Object.freeze({
        id,
        name: config.name || id,
        description: config.description,
        config,
        compatibility: new Set(Object.entries(flags).filter(([, on]) => on).map(([f]) => f)),
        models: new Set(config.models),
        basePath: mock ? '' : baseUrl.pathname,
        mock,
        addHeaders: parseHeaderLines(config.add_headers),
        upstream: createUpstream(id, config, baseUrl),
      });
      this.#providers.push(provider);
      this.#byId.set(id, provider);
    }
  }

  /** All providers, enabled or not, in declaration order. */
  all(): readonly ResolvedProvider[] {
    return this.#providers;
  }

  /** A provider by id. */
  get(id: string): ResolvedProvider | undefined {
    return this.#byId.get(id);
  }

  /**
   * Picks the provider for a model on a format. The model may be `provider/model`; a model id
   * that itself contains `/` is matched whole first.
   */
  route(requested: string, format: string): RouteResult {
    const direct = this.#pick(requested, format, undefined);
    if (!('reason' in direct) || direct.reason === 'unsupported_format') return direct;
    const slash = requested.indexOf('/');
    if (slash > 0) {
      const prefixed = this.#pick(requested.slice(slash + 1), format, requested.slice(0, slash));
      if (!('reason' in prefixed) || prefixed.reason === 'unsupported_format') return prefixed;
    }
    return { reason: 'unknown_model', model: requested };
  }

  #pick(model: string, format: string, providerId: string | undefined): RouteResult {
    let best: ResolvedProvider | undefined;
    const wrongFormat: string[] = [];
    for (const p of this.#providers) {
      if (p.config.disabled || !p.models.has(model)) continue;
      if (providerId !== undefined && p.id !== providerId) continue;
      if (!p.compatibility.has(format)) {
        wrongFormat.push(p.id);
        continue;
      }
      if (best === undefined || p.config.preference > best.config.preference) best = p;
    }
    if (best !== undefined) return { provider: best, model };
    if (wrongFormat.length > 0) return { reason: 'unsupported_format', model, providers: wrongFormat };
    return { reason: 'unknown_model', model };
  }

  /** Every model of every enabled provider, once, with the preferred provider's metadata. */
  models(): ModelEntry[] {
    const byModel = new Map<string, { provider: ResolvedProvider; endpoints: Set<string> }>();
    for (const p of this.#providers) {
      if (p.config.disabled) continue;
      for (const m of p.models) {
        const entry = byModel.get(m);
        const endpoints = [...p.compatibility].filter((f) => this.#formats.has(f)).map((f) => ENDPOINT_OF_FORMAT[f] ?? f);
        if (entry === undefined) byModel.set(m, { provider: p, endpoints: new Set(endpoints) });
        else {
          endpoints.forEach((e) => entry.endpoints.add(e));
          if (p.config.preference > entry.provider.config.preference) entry.provider = p;
        }
      }
    }
    return [...byModel].map(([id, { provider, endpoints }]) => ({
      id,
      provider: provider.id,
      providerName: provider.name,
      providerDescription: provider.description,
      supportedEndpoints: [...endpoints],
    }));
  }

  /** Closes every upstream. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#providers.map((p) => p.upstream.close()));
  }
}
