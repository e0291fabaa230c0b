import { dirname, resolve } from 'node:path';
import semver from 'semver';
import { TollgateError, errorMessage } from '../errors.js';
import { isLoopbackHost, loopbackExposedMessage } from '../identity/loopback.js';
import { importPlugin } from '../plugins/resolve-plugin.js';
import { headerLineProblem, parseHeaderLines } from '../providers/header-lines.js';
import { BUILTIN_FORMATS } from '../formats/builtin-formats.js';
import { type PluginDefinition, type TollgatePlugin, isPluginDefinition, isPluginInstance } from '../plugins/plugin.js';
import { CORE_VERSION } from '../version.js';
import { didYouMean } from '../text/did-you-mean.js';
import { type ConfigIssue, ConfigError, hasErrors, issueLocation, pointerSegment } from './config-issue.js';
import { APERTURE_ONLY_FORMATS, CORE_SECTIONS, DURATION_PATTERN, type PluginEntry, type ProviderConfig, UNSUPPORTED_APERTURE_SECTIONS } from './core-schema.js';
import { durationMs } from './duration.js';
import { resolveEnvRefs } from './env-refs.js';
import type { GatewayConfig } from './gateway-config.js';
import { SecretRegistry } from './secret-registry.js';
import { validateSection } from './validate-section.js';

const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Provider ids: they appear in `provider/model` names, so no `/` or spaces. */
const PROVIDER_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * A plugin as `createGateway` accepts it: a name or path to resolve, a definition, an
 * instance, or a `[name | definition, options]` pair.
 */
export type PluginInput =
  | string
  | PluginDefinition<never>
  | PluginDefinition<Record<string, unknown>>
  | TollgatePlugin
  | readonly [string | PluginDefinition<never> | PluginDefinition<Record<string, unknown>>, Record<string, unknown>];

/** A plugin ready to be instantiated for a runtime. */
export interface PreparedPlugin {
  /** Plugin name. */
  readonly name: string;
  /** Definition to create it from (absent for a ready instance). */
  readonly definition?: PluginDefinition<unknown>;
  /** A ready instance (programmatic use). */
  readonly instance?: TollgatePlugin;
  /** Validated options. */
  readonly options: unknown;
  /** Validated owned sections. */
  readonly sections: Readonly<Record<string, unknown>>;
}

/** Options of {@link prepareConfig}. */
export interface PrepareConfigOptions {
  /** The parsed configuration object. */
  readonly raw: unknown;
  /** File the configuration came from (messages; base directory for plugin paths). */
  readonly source?: string;
  /** Environment for `env:` references (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Plugins given programmatically; replace the config's `plugins` list when present. */
  readonly plugins?: readonly PluginInput[];
  /** Extra directories to resolve plugin packages from. */
  readonly resolvePaths?: readonly string[];
  /**
   * Report unset `env:` variables as notes instead of errors and skip the checks of the values they
   * stand for (`tollgate check-config --allow-missing-env`: validating a config without its secrets).
   * Never for a gateway that is to run.
   */
  readonly allowMissingEnv?: boolean;
}

/** A validated configuration with its plugins. */
export interface PreparedConfig {
  /** The configuration snapshot. */
  readonly config: GatewayConfig;
  /** Plugins in load order. */
  readonly plugins: readonly PreparedPlugin[];
  /** Warnings (errors make {@link prepareConfig} throw). */
  readonly warnings: readonly ConfigIssue[];
  /** Secrets found in the configuration. */
  readonly secrets: SecretRegistry;
}

/** Plugins loaded when a config has no `plugins` key, with the sections that require them. */
export const DEFAULT_PLUGINS: ReadonlyArray<{ readonly name: string; readonly sections: readonly string[] }> = [
  { name: 'grants', sections: ['grants', 'groups'] },
  { name: 'webhook', sections: ['hooks'] },
  { name: 'oso', sections: [] },
  { name: 'capture', sections: ['database'] },
  { name: 'quotas', sections: ['quotas', 'auto_cost_basis'] },
  { name: 'metrics', sections: [] },
  { name: 'dashboard', sections: [] },
];

interface PendingPlugin {
  readonly label: string;
  readonly definition?: PluginDefinition<unknown>;
  readonly instance?: TollgatePlugin;
  readonly rawOptions: Record<string, unknown> | undefined;
}

function pluginLabel(input: PluginInput): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) return pluginLabel(input[0] as PluginInput);
  return (input as { name: string }).name;
}

/**
 * Validates a configuration and loads its plugins: resolves `env:` references, validates core
 * sections, resolves every plugin and validates its options and sections, checks versions and
 * dependencies, and reports unknown sections. Throws a {@link ConfigError} listing **every**
 * problem when there is any error; returns the warnings otherwise.
 */
export async function prepareConfig(options: PrepareConfigOptions): Promise<PreparedConfig> {
  const issues: ConfigIssue[] = [];
  const secrets = new SecretRegistry();
  if (options.raw === null || typeof options.raw !== 'object' || Array.isArray(options.raw)) {
    throw new ConfigError([{ severity: 'error', path: 'config', message: 'must be a JSON object' }]);
  }
  const keyLabels = new Map<string, string>();
  const resolved = resolveEnvRefs(options.raw, options.env ?? process.env, secrets, issues, '', '', keyLabels) as Record<string, unknown>;
  const checked = { isSecret: (text: string) => secrets.appearsIn(text) };
  // Every issue so far is an unset `env:` variable.
  const unset = options.allowMissingEnv === true ? issues.splice(0).map((i) => ({ ...i, severity: 'note' as const, message: `${i.message}; not checked` })) : [];

  // Core sections.
  const core: Record<string, unknown> = {};
  for (const [section, schema] of Object.entries(CORE_SECTIONS)) {
    if (resolved[section] === undefined && (section === 'plugins' || section === 'data_dir')) continue;
    if (section === 'providers' && resolved.providers === undefined) {
      issues.push({ severity: 'error', path: 'config/providers', message: 'is required' });
      continue;
    }
    const result = validateSection(`config/${section}`, schema, resolved[section], checked);
    issues.push(...result.issues);
    core[section] = result.value;
  }
  issues.push(...providerIssues(resolved.providers), ...passthroughIssues(resolved), ...sameHostIssues(core), ...listenIssues(core));
  const config = Object.freeze({ ...resolved, ...core }) as GatewayConfig;

  // Plugins.
  const baseDirs = [...new Set([options.source === undefined ? process.cwd() : resolve(dirname(options.source)), process.cwd(), ...(options.resolvePaths ?? [])])];
  const usingDefaults = options.plugins === undefined && resolved.plugins === undefined;
  const inputs: readonly PluginInput[] = options.plugins ?? (resolved.plugins as PluginEntry[] | undefined) ?? DEFAULT_PLUGINS.map((d) => d.name);
  const pending: PendingPlugin[] = [];
  for (const input of inputs) {
    const label = pluginLabel(input);
    const [target, rawOptions] = Array.isArray(input) ? (input as [PluginInput, Record<string, unknown>]) : [input, undefined];
    if (typeof target === 'string') {
      try {
        const imported = await importPlugin(target, { baseDirs });
        if (isPluginDefinition(imported.exported)) pending.push({ label, definition: imported.exported, rawOptions });
        else if (isPluginInstance(imported.exported) && rawOptions === undefined) pending.push({ label, instance: imported.exported, rawOptions });
        else if (isPluginInstance(imported.exported)) {
          issues.push({ severity: 'error', path: `plugins.${label}`, message: 'takes no options (the module exports a ready plugin instance, not a definition with an options schema)', code: 'TG_ERR_PLUGIN_CONFIG' });
        } else {
          issues.push({
            severity: 'error',
            path: `plugins.${label}`,
            message: `${imported.file} does not export a plugin (expected a default export made with definePlugin({ name, create }))`,
            code: 'TG_ERR_PLUGIN_INVALID',
          });
        }
      } catch (err) {
        const defaults = DEFAULT_PLUGINS.find((d) => d.name === target);
        if (usingDefaults && defaults !== undefined && TollgateError.is(err, 'TG_ERR_PLUGIN_NOT_FOUND')) {
          const needed = defaults.sections.filter((s) => resolved[s] !== undefined);
          if (needed.length === 0) continue; // an absent default plugin is fine when nothing needs it
          issues.push({ severity: 'error', path: `plugins.${label}`, message: `section "${needed.join('", "')}" needs plugin "${label}": ${errorMessage(err)}`, code: err.code });
          continue;
        }
        issues.push({ severity: 'error', path: `plugins.${label}`, message: errorMessage(err), code: TollgateError.is(err) ? err.code : 'TG_ERR_PLUGIN_INVALID' });
      }
    } else if (isPluginDefinition(target)) pending.push({ label, definition: target as PluginDefinition<unknown>, rawOptions });
    else if (isPluginInstance(target)) pending.push({ label, instance: target, rawOptions: undefined });
    else issues.push({ severity: 'error', path: `plugins.${label}`, message: 'is neither a plugin definition nor a plugin instance', code: 'TG_ERR_PLUGIN_INVALID' });
  }

  // Duplicate names.
  const seenNames = new Set<string>();
  for (const p of pending) {
    const name = p.definition?.name ?? p.instance?.name ?? p.label;
    if (seenNames.has(name)) issues.push({ severity: 'error', path: `plugins.${name}`, message: 'is listed twice', code: 'TG_ERR_PLUGIN_CONFIG' });
    seenNames.add(name);
  }

  // Options, sections, versions, dependencies.
  const owned = new Map<string, string>();
  const prepared: PreparedPlugin[] = [];
  /** Plugins whose options or sections have errors: their checks would see malformed values. */
  const invalid = new Set<string>();
  for (const p of pending) {
    if (p.instance !== undefined) {
      prepared.push({ name: p.instance.name, instance: p.instance, options: undefined, sections: {} });
      continue;
    }
    const def = p.definition as PluginDefinition<unknown>;
    const errorsBefore = issues.filter((i) => i.severity === 'error').length;
    const owner = `plugins.${def.name}`;
    let opts: unknown = p.rawOptions ?? {};
    if (def.options !== undefined) {
      const r = validateSection(owner, def.options, p.rawOptions ?? {}, checked);
      issues.push(...pluginIssues(r.issues));
      opts = r.value;
    } else if (p.rawOptions !== undefined && Object.keys(p.rawOptions).length > 0) {
      issues.push({ severity: 'error', path: owner, message: 'takes no options', code: 'TG_ERR_PLUGIN_CONFIG' });
    }
    const sections: Record<string, unknown> = {};
    for (const [section, schema] of Object.entries(def.sections ?? {})) {
      const other = owned.get(section);
      if (other !== undefined || section in CORE_SECTIONS) {
        issues.push({ severity: 'error', path: owner, message: `section "${section}" is already owned by ${other ?? 'core'}`, code: 'TG_ERR_PLUGIN_CONFIG' });
        continue;
      }
      owned.set(section, owner);
      if (resolved[section] === undefined) {
        sections[section] = validateSection(`${owner}/${section}`, schema, undefined).value;
        continue;
      }
      const r = validateSection(`${owner}/${section}`, schema, resolved[section], checked);
      issues.push(...pluginIssues(r.issues));
      sections[section] = r.value;
    }
    if (def.core !== undefined && !semver.satisfies(CORE_VERSION, def.core, { includePrerelease: true })) {
      issues.push({ severity: 'error', path: owner, message: `needs @tollgate/core ${def.core}, this is ${CORE_VERSION}`, code: 'TG_ERR_PLUGIN_VERSION_MISMATCH' });
    }
    for (const dep of def.dependencies ?? []) {
      if (!seenNames.has(dep)) issues.push({ severity: 'error', path: owner, message: `needs plugin "${dep}", which is not loaded`, code: 'TG_ERR_PLUGIN_DEPENDENCY' });
    }
    if (issues.filter((i) => i.severity === 'error').length > errorsBefore) invalid.add(def.name);
    prepared.push({ name: def.name, definition: def, options: opts, sections });
  }

  // Semantic checks of every plugin whose own options and sections passed their schemas, whatever
  // else is wrong, so that one run reports every problem. When core sections have errors too, a
  // check that trips over them is not reported (the core errors say what to fix).
  const coreValid = !hasErrors(issues);
  const names = prepared.map((p) => p.name);
  for (const p of prepared) {
    if (p.definition?.check === undefined || invalid.has(p.name)) continue;
    try {
      issues.push(...p.definition.check({ options: p.options, sections: p.sections, config, plugins: names }));
    } catch (err) {
      if (coreValid) issues.push({ severity: 'error', path: `plugins.${p.name}`, message: `config check failed: ${errorMessage(err)}`, code: 'TG_ERR_PLUGIN_CONFIG' });
    }
  }

  // Sections nobody owns.
  const known = [...Object.keys(CORE_SECTIONS), ...owned.keys(), ...DEFAULT_PLUGINS.flatMap((d) => d.sections), ...UNSUPPORTED_APERTURE_SECTIONS];
  for (const key of Object.keys(resolved)) {
    if (key in CORE_SECTIONS || owned.has(key)) continue;
    if ((UNSUPPORTED_APERTURE_SECTIONS as readonly string[]).includes(key)) {
      issues.push({ severity: 'warning', path: `config/${key}`, message: `section "${key}" is not supported by tollgate yet and is ignored` });
    } else if (DEFAULT_PLUGINS.some((d) => d.sections.includes(key))) {
      issues.push({ severity: 'warning', path: `config/${key}`, message: `section "${key}" is ignored: its plugin is not loaded` });
    } else issues.push({ severity: 'warning', path: `config/${pointerSegment(key)}`, message: `unknown config key "${key}"${didYouMean(key, known)}` });
  }

  // People read dotted locations; sections plugins own are places in the file, not plugin options.
  const sections = new Set(owned.keys());
  // Messages name paths, never secret values: client keys are named by their env: reference or
  // position, and any registered secret left in a message (a plugin check quoting a value) is `***`.
  const located = [...withoutUnsetValues(issues, unset), ...unset].map((i) => protectIssue(i, keyLabels, secrets)).map((i) => ({ ...i, location: issueLocation(i.path, sections) }));
  if (hasErrors(located)) throw new ConfigError(located);
  return { config, plugins: prepared, warnings: located, secrets };
}

/** The JSON pointer into the config file of an issue path (`plugins.webhook/hooks/x/url` → `/hooks/x/url`). */
function pointerOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? '' : path.slice(slash);
}

/** `issues` without the errors about values that stand for an unset `env:` variable (reported as notes). */
function withoutUnsetValues(issues: readonly ConfigIssue[], unset: readonly ConfigIssue[]): ConfigIssue[] {
  if (unset.length === 0) return [...issues];
  const pointers = unset.map((u) => pointerOf(u.path));
  return issues.filter((i) => {
    if (i.severity !== 'error') return true;
    const p = pointerOf(i.path);
    return !pointers.some((u) => p === u || p.startsWith(`${u}/`));
  });
}

/** `issue` with client keys in its path replaced by their labels and every secret scrubbed. */
function protectIssue(issue: ConfigIssue, keyLabels: ReadonlyMap<string, string>, secrets: SecretRegistry): ConfigIssue {
  let path = issue.path;
  for (const [resolved, label] of keyLabels) {
    const prefix = `config${resolved}`;
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      path = `config${label}${path.slice(prefix.length)}`;
      break;
    }
  }
  path = secrets.scrub(path);
  const message = secrets.scrub(issue.message);
  return path === issue.path && message === issue.message ? issue : { ...issue, path, message };
}

/** Why each client timeout must stay on: what a connection could then do forever. */
const CLIENT_TIMEOUTS: Readonly<Record<string, string>> = {
  headers_timeout: 'a connection that never sends its headers (or not a byte) would be kept open forever',
  request_timeout: 'a client could send its body a byte at a time forever',
  keep_alive_timeout: 'an idle kept-alive connection would be kept open forever',
};

/** The client timeouts cannot be turned off (`"0"`): connections must not be held without bound. */
function listenIssues(core: Record<string, unknown>): ConfigIssue[] {
  const listen = core.listen as Record<string, unknown> | undefined;
  const out: ConfigIssue[] = [];
  for (const [field, why] of Object.entries(CLIENT_TIMEOUTS)) {
    const value = listen?.[field];
    if (typeof value !== 'string' || !DURATION_RE.test(value) || durationMs(value) > 0) continue;
    out.push({ severity: 'error', path: `config/listen/${field}`, message: `must be longer than 0: ${why}` });
  }
  return out;
}

/**
 * The loopback identity trusts every process on this machine; on a gateway that listens beyond
 * loopback, a reverse proxy or tunnel on the same host makes everyone it relays `(loopback)`.
 */
function sameHostIssues(core: Record<string, unknown>): ConfigIssue[] {
  const identity = core.identity as { loopback?: unknown } | undefined;
  const listen = core.listen as { host?: unknown } | undefined;
  if (identity?.loopback !== true || typeof listen?.host !== 'string' || isLoopbackHost(listen.host)) return [];
  return [{ severity: 'warning', path: 'config/identity/loopback', message: loopbackExposedMessage(listen.host) }];
}

/**
 * `auth_mode: passthrough` takes the client's credential as its provider key; with client keys
 * configured the same credential would also be its tollgate key, and a client that sends its
 * tollgate key would have it forwarded to the provider. The two cannot be combined.
 */
function passthroughIssues(resolved: Record<string, unknown>): ConfigIssue[] {
  const identity = resolved.identity as { api_keys?: unknown } | undefined;
  const keys = identity?.api_keys;
  if (keys === null || typeof keys !== 'object' || Object.keys(keys).length === 0) return [];
  const providers = resolved.providers;
  if (providers === null || typeof providers !== 'object') return [];
  const out: ConfigIssue[] = [];
  for (const [id, p] of Object.entries(providers as Record<string, { auth_mode?: unknown } | null>)) {
    if (p === null || typeof p !== 'object' || p.auth_mode !== 'passthrough') continue;
    out.push({
      severity: 'error',
      path: `config/providers/${pointerSegment(id)}/auth_mode`,
      message: '"passthrough" cannot be used with identity.api_keys: a client\'s key would be both its tollgate key and its provider key, and a tollgate key would be forwarded upstream (use "override", or identify callers without client keys: tailscale, loopback)',
    });
  }
  return out;
}

/** Tags a plugin's schema errors with `TG_ERR_PLUGIN_CONFIG` (warnings stay uncoded). */
function pluginIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.map((i) => (i.severity === 'error' && i.code === undefined ? { ...i, code: 'TG_ERR_PLUGIN_CONFIG' } : i));
}

/** Aperture's provider warnings (malformed `add_headers`, no models). */
function providerIssues(providers: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  if (providers === null || typeof providers !== 'object') return out;
  for (const [id, p] of Object.entries(providers as Record<string, Partial<ProviderConfig> | null>)) {
    if (!PROVIDER_ID.test(id)) {
      out.push({ severity: 'error', path: `config/providers/${pointerSegment(id)}`, message: `provider id "${id.slice(0, 64)}" may only contain letters, digits, "_", "." and "-" (it is used in "provider/model" names)` });
    }
    // Runs on unvalidated values too (every problem is reported at once): skip what is malformed.
    if (p === null || typeof p !== 'object') continue;
    (Array.isArray(p.add_headers) ? p.add_headers : []).forEach((line, i) => {
      // Warn about exactly the lines the upstream header parser drops (also NUL bytes and
      // framing/routing headers such as Host), so that no configured header vanishes silently.
      // The message never quotes the line: its value is often a credential.
      if (typeof line === 'string' && parseHeaderLines([line]).length === 0) {
        out.push({ severity: 'warning', path: `config/providers/${pointerSegment(id)}/add_headers/${i}`, message: headerLineProblem(line) });
      }
    });
    if (Array.isArray(p.models) && p.models.length === 0) out.push({ severity: 'warning', path: `config/providers/${id}/models`, message: 'provider lists no models' });
    const flags = p.compatibility !== null && typeof p.compatibility === 'object' ? Object.keys(p.compatibility) : [];
    for (const flag of flags) {
      if (BUILTIN_FORMATS.some((f) => f.name === flag)) continue;
      const message = (APERTURE_ONLY_FORMATS as readonly string[]).includes(flag)
        ? `compatibility flag "${flag}" is not supported by tollgate yet; ignored`
        : `unknown compatibility flag "${flag}" (tollgate serves ${BUILTIN_FORMATS.map((f) => f.name).join(', ')}); ignored unless a plugin registers that format`;
      out.push({ severity: 'warning', path: `config/providers/${id}/compatibility/${pointerSegment(flag)}`, message });
    }
  }
  return out;
}
