import type { TSchema } from 'typebox';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../config/config-issue.js';
import type { SecretRegistry } from '../config/secret-registry.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { FormatRegistry } from '../formats/format-registry.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { RouteRegistry } from '../http/route-definition.js';
import type { ProviderCatalog } from '../providers/provider-registry.js';

/**
 * What a plugin's `apply` receives: the hooks to tap and the runtime it belongs to. A new host
 * is made for every configuration (start-up and each reload); requests in flight keep theirs.
 */
export interface PluginHost {
  /** The hooks of this runtime (frozen). */
  readonly hooks: TollgateHooks;
  /** The validated configuration of this runtime. */
  readonly config: GatewayConfig;
  /** Root logger; plugins log through `logger.child({ plugin: name })`. */
  readonly logger: Logger;
  /** API formats; a plugin may register more in `apply`. */
  readonly formats: FormatRegistry;
  /** The providers (no keys); available once every plugin is applied (in `ready` and request hooks). */
  readonly providers: ProviderCatalog;
  /** Where a plugin adds the HTTP routes it serves (admin API, dashboard, metrics); call in `apply`. */
  readonly routes: RouteRegistry;
  /** The gateway's data directory (spools, state). */
  readonly dataDir: string;
  /** Version of `@tollgate/core`. */
  readonly coreVersion: string;
  /** Secrets the logger scrubs; plugins register the secrets they hold. */
  readonly secrets: SecretRegistry;
}

/** A plugin: a name and `apply`, which only taps hooks (I/O belongs in `ready`/`close` taps). */
export interface TollgatePlugin {
  /** Tap name, log binding, config key and error field. */
  readonly name: string;
  /** Taps the host's hooks. Called once per runtime. */
  apply(host: PluginHost): void;
}

/** What {@link PluginDefinition.create} receives. */
export interface PluginCreateContext {
  /** The validated configuration. */
  readonly config: GatewayConfig;
  /** Validated values of the sections the plugin owns, by section name. */
  readonly sections: Readonly<Record<string, unknown>>;
  /** Logger bound to `{ plugin: name }`. */
  readonly logger: Logger;
  /** The gateway's data directory. */
  readonly dataDir: string;
  /** Secrets registry. */
  readonly secrets: SecretRegistry;
}

/** What {@link PluginDefinition.check} receives. */
export interface PluginCheckContext<O> {
  /** Validated options. */
  readonly options: O;
  /** Validated sections the plugin owns. */
  readonly sections: Readonly<Record<string, unknown>>;
  /** The whole configuration (core sections validated, other sections raw). */
  readonly config: GatewayConfig;
  /** Names of all plugins being loaded. */
  readonly plugins: readonly string[];
}

/**
 * A loadable plugin: what a plugin module exports (as default or `plugin`). Core validates
 * `options` and `sections` with their TypeBox schemas before `create` is called, and fails
 * start-up listing every problem.
 */
export interface PluginDefinition<O = Record<string, unknown>> {
  /** Plugin name (tap name, config key). */
  readonly name: string;
  /** Schema of the options given as `["name", {options}]`. */
  readonly options?: TSchema;
  /** Top-level config sections this plugin owns, with their schemas (`{ hooks: HooksSchema }`). */
  readonly sections?: Readonly<Record<string, TSchema>>;
  /** Semver range of `@tollgate/core` this plugin works with. */
  readonly core?: string;
  /** Plugins that must be loaded too (e.g. the Oso plugin needs `webhook`). */
  readonly dependencies?: readonly string[];
  /** Semantic checks beyond the schemas; return warnings (or errors). */
  check?(context: PluginCheckContext<O>): ConfigIssue[];
  /** Creates the plugin instance. */
  create(options: O, context: PluginCreateContext): TollgatePlugin;
}

/** Identity helper that types a {@link PluginDefinition}. */
export function definePlugin<O = Record<string, unknown>>(definition: PluginDefinition<O>): PluginDefinition<O> {
  return definition;
}

/** True when `value` looks like a {@link PluginDefinition}. */
export function isPluginDefinition(value: unknown): value is PluginDefinition<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PluginDefinition).name === 'string' && typeof (value as PluginDefinition).create === 'function';
}

/** True when `value` looks like a {@link TollgatePlugin} instance. */
export function isPluginInstance(value: unknown): value is TollgatePlugin {
  return typeof value === 'object' && value !== null && typeof (value as TollgatePlugin).name === 'string' && typeof (value as TollgatePlugin).apply === 'function';
}
