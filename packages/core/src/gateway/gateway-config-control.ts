import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type ConfigCheck, type ConfigControl, ConfigConflict, type ConfigDocument, ConfigNotWritable, type RuntimeCheck } from '../admin/config-control.js';
import { type ConfigIssue, ConfigError, hasErrors } from '../config/config-issue.js';
import { parseHujson } from '../config/hujson.js';
import { type PluginInput, type PreparedConfig, prepareConfig } from '../config/prepare-config.js';
import type { SecretRegistry } from '../config/secret-registry.js';
import { writeFileAtomicPrivate } from '../fs/private-fs.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';

/** What the gateway does with a configuration that passed every check (build, verify, commit, swap). */
export type ApplyConfig = (prepared: PreparedConfig, parseWarnings: readonly ConfigIssue[], steps: { readonly verify?: (hooks: TollgateHooks) => Promise<void>; readonly commit?: () => Promise<void> }) => Promise<void>;

/** What {@link GatewayConfigControl} needs of the gateway's options. */
export interface ConfigSourceOptions {
  /** The configuration object, or the path of a HuJSON config file. */
  readonly config: Record<string, unknown> | string;
  /** Where to save when `config` is an object. */
  readonly configFile?: string;
  /** Environment for `env:` references. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Plugins given programmatically. */
  readonly plugins?: readonly PluginInput[];
  /**
   * Called after a save went live and the file was replaced (a program running several gateways on
   * one file, such as `tollgate start --workers`, reloads the others).
   */
  readonly onConfigSaved?: (file: string) => void;
  /** Extra directories plugin packages are resolved from. */
  readonly resolvePaths?: readonly string[];
}

/** The admin API's etag of a configuration text. */
export function configEtag(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * The gateway's side of the admin config API: where the configuration lives (the file it came
 * from, or the file the admin API saves to when it was given as an object), how a text is checked
 * exactly as at start-up, and how a save goes live: one at a time, refused when the stored text
 * changed, the new runtime built and verified before the file is replaced (write, fsync, rename)
 * and swapped in.
 */
export class GatewayConfigControl implements ConfigControl {
  readonly #options: ConfigSourceOptions;
  readonly #secrets: SecretRegistry;
  readonly #apply: ApplyConfig;
  /** The configuration as last loaded: a file path, or an object. */
  #source: ConfigSourceOptions['config'];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigSourceOptions, secrets: SecretRegistry, apply: ApplyConfig) {
    this.#options = options;
    this.#secrets = secrets;
    this.#apply = apply;
    this.#source = options.config;
  }

  /**
   * The configuration to reload: the file it lives in (also after a first save, by this gateway or
   * by another process on the same `configFile`), or the object given.
   */
  get source(): ConfigSourceOptions['config'] {
    if (typeof this.#source !== 'string' && this.#options.configFile !== undefined && existsSync(this.#options.configFile)) this.#source = this.#options.configFile;
    return this.#source;
  }

  /** The file saves go to. */
  get #file(): string | undefined {
    const source = this.source;
    return typeof source === 'string' ? source : this.#options.configFile;
  }

  /** @inheritdoc */
  async read(): Promise<ConfigDocument> {
    const source = this.source;
    if (typeof source === 'string') {
      const text = await readFile(source, 'utf8');
      return { text, exists: true, etag: configEtag(text) };
    }
    const text = `${JSON.stringify(source, null, 2)}\n`;
    return { text, exists: false, etag: configEtag(text) };
  }

  /** @inheritdoc */
  async check(text: string): Promise<ConfigCheck> {
    try {
      const { warnings } = await this.#prepare(text);
      return { errors: [], warnings };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { errors: err.issues.filter((i) => i.severity === 'error'), warnings: err.issues.filter((i) => i.severity !== 'error') };
    }
  }

  /** @inheritdoc */
  save(text: string, ifMatch: string, verify: RuntimeCheck): Promise<ConfigCheck & { readonly etag: string }> {
    const run = this.#queue.then(() => this.#save(text, ifMatch, verify));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** @inheritdoc */
  secrets(): ReadonlySet<string> {
    return new Set(this.#secrets.values());
  }

  async #save(text: string, ifMatch: string, verify: RuntimeCheck): Promise<ConfigCheck & { readonly etag: string }> {
    const file = this.#file;
    if (file === undefined) throw new ConfigNotWritable();
    const current = await this.read();
    if (current.etag !== ifMatch) throw new ConfigConflict(current.etag);
    const { prepared, parseWarnings, warnings } = await this.#prepare(text);
    await this.#apply(prepared, parseWarnings, {
      verify,
      commit: async () => {
        await writeFileAtomicPrivate(file, text);
        this.#source = file;
      },
    });
    this.#options.onConfigSaved?.(file);
    return { errors: [], warnings, etag: configEtag(text) };
  }

  /** Parses and validates a text as start-up does; throws a `ConfigError` listing every problem. */
  async #prepare(text: string): Promise<{ prepared: PreparedConfig; parseWarnings: ConfigIssue[]; warnings: ConfigIssue[] }> {
    const { value, issues } = parseHujson(text, 'config');
    if (hasErrors(issues)) throw new ConfigError(issues);
    const source = this.#file;
    let prepared: PreparedConfig;
    try {
      prepared = await prepareConfig({ raw: value, source, env: this.#options.env ?? process.env, plugins: this.#options.plugins, resolvePaths: this.#options.resolvePaths });
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError([...issues, ...err.issues]);
      throw err;
    }
    return { prepared, parseWarnings: issues, warnings: [...issues, ...prepared.warnings] };
  }
}
