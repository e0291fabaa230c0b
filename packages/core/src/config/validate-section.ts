import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { didYouMean } from '../text/did-you-mean.js';
import { type ConfigIssue, issuePath, pointerSegment } from './config-issue.js';

/** Schema option: unknown keys of this object are warnings (Aperture's behaviour), not errors. */
export const WARN_UNKNOWN = 'x-tollgate-warn-unknown';

const compiled = new WeakMap<TSchema, Validator>();

/** Returns the compiled validator of a schema, compiling it on first use only. */
export function compileSchema(schema: TSchema): Validator {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = Compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Options of {@link validateSection}. */
export interface ValidateSectionOptions {
  /**
   * True for a string that holds a secret (a value read from `env:`, a key): messages then say
   * `(got a secret value, not shown)` instead of quoting it, even in part.
   */
  readonly isSecret?: (text: string) => boolean;
}

const noSecret = (): boolean => false;

/** Result of {@link validateSection}. */
export interface SectionResult<T> {
  /** The value with schema defaults applied (only meaningful when there are no errors). */
  readonly value: T;
  /** Errors and warnings. */
  readonly issues: ConfigIssue[];
}

/**
 * Validates one config slice against its TypeBox schema: compiles the schema once, applies
 * defaults, checks, and only on failure collects every error with its path under `owner`
 * (`plugins.webhook/hooks/oso/url: must be string`). Unknown keys of objects marked
 * {@link WARN_UNKNOWN} become warnings.
 */
export function validateSection<T>(owner: string, schema: TSchema, raw: unknown, options: ValidateSectionOptions = {}): SectionResult<T> {
  const validator = compileSchema(schema);
  const value = applyDefaults(schema, raw === undefined ? undefined : structuredClone(raw)) as T;
  const issues: ConfigIssue[] = [];
  if (!validator.Check(value)) issues.push(...describeErrors(owner, schema, validator, value, options.isSecret ?? noSecret));
  collectUnknownKeys(owner, schema, value, '', issues);
  return { value, issues };
}

/**
 * Fills schema defaults into a value, also inside `Record` values and array items (TypeBox's
 * `Default` does not descend into `patternProperties`). Mutates and returns `value`.
 */
export function applyDefaults(schema: unknown, value: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return value;
  const s = schema as Record<string, unknown>;
  if (value === undefined) {
    if (s.default === undefined) return undefined;
    value = structuredClone(s.default);
  }
  if (Array.isArray(value)) {
    if (s.items !== undefined && typeof s.items === 'object' && !Array.isArray(s.items)) return value.map((item) => applyDefaults(s.items, item));
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const props = s.properties as Record<string, unknown> | undefined;
  if (props !== undefined) {
    for (const [k, propSchema] of Object.entries(props)) {
      const filled = applyDefaults(propSchema, obj[k]);
      if (filled !== undefined) obj[k] = filled;
    }
  }
  const pattern = s.patternProperties as Record<string, unknown> | undefined;
  if (pattern !== undefined) {
    const inner = Object.values(pattern)[0];
    for (const k of Object.keys(obj)) obj[k] = applyDefaults(inner, obj[k]);
  }
  return value;
}

/** Resolves a `#/a/b` schema path inside `root`. */
function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const seg of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node as Record<string, unknown> | undefined;
}

/** A short description of what a schema accepts, for messages. */
function describeSchema(schema: Record<string, unknown> | undefined): string {
  if (schema === undefined) return 'a valid value';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(describeSchema).join(' | ');
  if (schema.type === 'array' && Array.isArray(schema.prefixItems)) return `[${(schema.prefixItems as Record<string, unknown>[]).map(describeSchema).join(', ')}]`;
  if (typeof schema.type === 'string') return schema.type;
  return 'a valid value';
}

function describeValue(value: unknown, isSecret: (text: string) => boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'string' && isSecret(value)) return 'a secret value, not shown';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const seg of pointer.split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function describeErrors(owner: string, schema: TSchema, validator: Validator, value: unknown, isSecret: (text: string) => boolean): ConfigIssue[] {
  const errors = validator.Errors(value);
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath);
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (pointer: string, message: string): void => {
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ severity: 'error', path: issuePath(owner, pointer), message });
  };
  for (const e of errors) {
    // Errors inside a union's branches are summarised by the union's own error.
    if (anyOfPaths.some((p) => e.schemaPath !== p && e.schemaPath.startsWith(`${p}/`))) continue;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'boolean':
        continue; // `additionalProperties: false` is reported by the additionalProperties error
      case 'additionalProperties': {
        const known = Object.keys((schemaAt(schema, e.schemaPath.replace(/\/additionalProperties$/, ''))?.properties as Record<string, unknown> | undefined) ?? {});
        for (const key of (params.additionalProperties as string[]) ?? []) push(`${e.instancePath}/${pointerSegment(key)}`, `unknown option \`${key}\`${didYouMean(key, known)}`);
        continue;
      }
      case 'required':
        for (const key of (params.requiredProperties as string[]) ?? []) push(`${e.instancePath}/${pointerSegment(key)}`, 'is required');
        continue;
      case 'anyOf':
        push(e.instancePath, `must be ${describeSchema(schemaAt(schema, e.schemaPath))} (got ${describeValue(valueAt(value, e.instancePath), isSecret)})`);
        continue;
      default:
        push(e.instancePath, `${e.message} (got ${describeValue(valueAt(value, e.instancePath), isSecret)})`);
    }
  }
  return issues;
}

function collectUnknownKeys(owner: string, schema: unknown, value: unknown, pointer: string, out: ConfigIssue[]): void {
  if (schema === null || typeof schema !== 'object' || value === null || typeof value !== 'object') return;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(value)) {
    if (s.items !== undefined && typeof s.items === 'object') value.forEach((v, i) => collectUnknownKeys(owner, s.items, v, `${pointer}/${i}`, out));
    return;
  }
  const obj = value as Record<string, unknown>;
  const props = s.properties as Record<string, unknown> | undefined;
  if (props !== undefined) {
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) collectUnknownKeys(owner, props[k], v, `${pointer}/${pointerSegment(k)}`, out);
      else if (s[WARN_UNKNOWN] === true) out.push({ severity: 'warning', path: issuePath(owner, `${pointer}/${pointerSegment(k)}`), message: `unknown config key "${k}"${didYouMean(k, Object.keys(props))}` });
    }
  }
  const pattern = s.patternProperties as Record<string, unknown> | undefined;
  if (pattern !== undefined) {
    const inner = Object.values(pattern)[0];
    for (const [k, v] of Object.entries(obj)) collectUnknownKeys(owner, inner, v, `${pointer}/${pointerSegment(k)}`, out);
  }
}
