import type { ConfigIssue } from '../config/config-issue.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';

/** The configuration as stored. */
export interface ConfigDocument {
  /** Its text (HuJSON, the user's own comments and formatting). */
  readonly text: string;
  /** False when nothing is stored yet (the gateway runs a configuration given as an object or the built-in default). */
  readonly exists: boolean;
  /** A strong validator of the text (hex SHA-256 prefix): the admin API's ETag and `hash`. */
  readonly etag: string;
}

/** Every problem of a configuration text, as `tollgate check-config` reports them. */
export interface ConfigCheck {
  /** Errors (a configuration with any is refused). */
  readonly errors: readonly ConfigIssue[];
  /** Warnings. */
  readonly warnings: readonly ConfigIssue[];
}

/** What `save` checks on the runtime built from the new configuration before it goes live. */
export type RuntimeCheck = (hooks: TollgateHooks) => Promise<void>;

/**
 * How the admin config API reads, checks and replaces the gateway's configuration (the gateway
 * implements it; tests may fake it). Secrets stay in here: the API redacts what it shows.
 */
export interface ConfigControl {
  /** The stored configuration. */
  read(): Promise<ConfigDocument>;
  /** Checks a text fully (syntax, core sections, every plugin), without changing anything. */
  check(text: string): Promise<ConfigCheck>;
  /**
   * Replaces the configuration with `text` when the stored one still has the etag `ifMatch`:
   * builds a runtime from it (a refused one changes nothing), runs `verify` on its hooks, writes the
   * file atomically (write, fsync, rename), then swaps the runtime in. Throws a {@link ConfigConflict}
   * when the stored text changed, a `ConfigError` listing every problem of an invalid text, a
   * {@link ConfigNotWritable} when there is no file to write, and what `verify` throws.
   */
  save(text: string, ifMatch: string, verify: RuntimeCheck): Promise<ConfigCheck & { readonly etag: string }>;
  /** Every secret the gateway holds (the admin API hides them wherever they appear in the text). */
  secrets(): ReadonlySet<string>;
}

/** The stored configuration changed since the caller read it (someone else saved). */
export class ConfigConflict extends Error {
  /** The stored text's etag now. */
  readonly etag: string;
  constructor(etag: string) {
    super('the configuration changed since it was read: reload it, reapply your change, and save again');
    this.name = 'ConfigConflict';
    this.etag = etag;
  }
}

/** There is no file to save the configuration to (it was given to the gateway as an object). */
export class ConfigNotWritable extends Error {
  constructor() {
    super('this gateway was given its configuration as an object, not a file: there is nowhere to save a new one');
    this.name = 'ConfigNotWritable';
  }
}
