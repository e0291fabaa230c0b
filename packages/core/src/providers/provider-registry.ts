import type { ProviderConfig } from '../config/core-schema.js';
import type { FormatAdapter } from '../formats/format-adapter.js';
import type { ModelEntry } from '../types/model-entry.js';
import type { ProviderInfo, ProviderRef } from '../types/provider-info.js';
import { parseHeaderLines } from './header-lines.js';
import type { Upstream } from './upstream.js';

/** What plugins see of a provider through `host.providers`: no key, no pool. */
export interface ProviderSummary extends ProviderInfo {
  /** Models it serves. */
  readonly models: ReadonlySet<string>;
  /** Excluded from routing and model lists. */
  readonly disabled: boolean;
  /** Higher wins when several providers serve a model. */
  readonly preference: number;
  /** Client paths it can be used on (`supported_endpoints`). */
  readonly endpoints: readonly string[];
}

/** The providers of a runtime as plugins see them (`host.providers`). */
export interface ProviderCatalog {
  /** Every provider, enabled or not, in declaration order. */
  all(): readonly ProviderSummary[];
  /** Every model of every enabled provider, once, with the preferred provider's metadata. */
  models(): ModelEntry[];
}

/** A provider ready for routing (core only: it holds the key and the pool). */
export interface ResolvedProvider {
  /** Provider id (its key in `providers`). */
  readonly id: string;
  /** What hooks and plugins may see of it. */
  readonly info: ProviderSummary;
  /** How exchanges name it. */
  readonly ref: ProviderRef;
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

/**
 * The providers of one configuration: routes a model to the provider that serves it on the
 * client's API format (highest `preference`, then declaration order) and lists models.
 */
export class ProviderRegistry implements ProviderCatalog {
  readonly #providers: ResolvedProvider[] = [];
  readonly #byId = new Map<string, ResolvedProvider>();

  /**
   * @param providers the `providers` section
   * @param createUpstream makes each provider's upstream (undici pool or mock)
   * @param formats the runtime's formats: the mock provider accepts them all by default, and each
   *   declares the endpoint listed for it
   */
  constructor(providers: Readonly<Record<string, ProviderConfig>>, createUpstream: UpstreamFactory, formats: readonly FormatAdapter[]) {
    const endpointOf = new Map(formats.map((f) => [f.name, f.endpoint]));
    for (const [id, config] of Object.entries(providers)) {
      const baseUrl = new URL(config.baseurl);
      const mock = baseUrl.protocol === 'mock:';
      const flags = config.compatibility ?? (mock ? Object.fromEntries(formats.map((f) => [f.name, true])) : { openai_chat: true });
      const compatibility: ReadonlySet<string> = new Set(Object.entries(flags).filter(([, on]) => on).map(([f]) => f));
      const models: ReadonlySet<string> = new Set(config.models);
      const info: ProviderSummary = Object.freeze({
        id,
        name: config.name || id,
        description: config.description,
        compatibility,
        models,
        disabled: config.disabled,
        preference: config.preference,
        endpoints: [...compatibility].flatMap((f) => endpointOf.get(f) ?? []),
      });
      const provider: ResolvedProvider = Object.freeze({
        id,
        info,
        ref: Object.freeze({ id, name: info.name }),
        config,
        compatibility,
        models,
        basePath: mock ? '' : baseUrl.pathname,
        mock,
        addHeaders: parseHeaderLines(config.add_headers),
        upstream: createUpstream(id, config, baseUrl),
      });
      this.#providers.push(provider);
      this.#byId.set(id, provider);
    }
  }

  /** @inheritdoc */
  all(): readonly ProviderSummary[] {
    return this.#providers.map((p) => p.info);
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

  /** @inheritdoc */
  models(): ModelEntry[] {
    const byModel = new Map<string, { provider: ProviderSummary; endpoints: Set<string> }>();
    for (const { info: p } of this.#providers) {
      if (p.disabled) continue;
      for (const m of p.models) {
        const entry = byModel.get(m);
        if (entry === undefined) byModel.set(m, { provider: p, endpoints: new Set(p.endpoints) });
        else {
          p.endpoints.forEach((e) => entry.endpoints.add(e));
          if (p.preference > entry.provider.preference) entry.provider = p;
        }
      }
    }
    return [...byModel].map(([id, { provider, endpoints }]) => modelEntry(id, provider, [...endpoints]));
  }

  /** Closes every upstream. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#providers.map((p) => p.upstream.close()));
  }
}

/** The `GET /v1/models` entry of `model` served by `provider` (endpoints default to the provider's). */
export function modelEntry(model: string, provider: ProviderSummary, endpoints: readonly string[] = provider.endpoints): ModelEntry {
  return { id: model, provider: provider.id, providerName: provider.name, providerDescription: provider.description, supportedEndpoints: endpoints };
}
