import type { IdentityConfig, LimitsConfig, ListenConfig, LoggingConfig, PluginEntry, ProviderConfig } from './core-schema.js';

/**
 * A validated configuration snapshot: core sections typed and defaulted, plugin-owned sections
 * as written (each plugin receives its own validated copy).
 */
export interface GatewayConfig {
  /** Providers by id. */
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  /** Where to listen. */
  readonly listen: ListenConfig;
  /** Limits and timeouts. */
  readonly limits: LimitsConfig;
  /** Built-in identity resolvers. */
  readonly identity: IdentityConfig;
  /** Logging. */
  readonly logging: LoggingConfig;
  /** Plugins to load; absent = the defaults (grants, webhook, oso, capture). */
  readonly plugins?: readonly PluginEntry[];
  /** Data directory (spools); the CLI flag and `TOLLGATE_DATA_DIR` override it. */
  readonly data_dir?: string;
  /** Every other section, as written. */
  readonly [section: string]: unknown;
}
