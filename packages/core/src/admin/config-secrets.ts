import { createHmac } from 'node:crypto';
import { type Node, applyEdits, parseTree } from 'jsonc-parser';
import { ENV_PREFIX, SECRET_FIELDS, SECRET_KEY_MAPS } from '../config/env-refs.js';
import { pointerSegment } from '../config/config-issue.js';

/** Prefix of the placeholder that stands for a secret in a config shown by the admin API. */
export const REDACTED_PREFIX = 'redacted:';

/** A placeholder: the prefix and 16 hex digits of an HMAC of the secret. */
const PLACEHOLDER = /^redacted:[0-9a-f]{16}$/;

/** A secret written literally in a config text: where it is and what it is. */
interface LiteralSecret {
  /** Offset and length of the JSON string token (quotes included). */
  readonly offset: number;
  readonly length: number;
  /** The secret's value. */
  readonly value: string;
  /** JSON pointer of the property (for a secret key, the key's own position). */
  readonly pointer: string;
}

/** A `postgres://user:password@host/db` URL with a password in it. */
function hasUrlPassword(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/**
 * Every secret written literally (not as `env:NAME`) in a HuJSON config text: values of secret
 * fields (`apikey`, `signing_secret`, `apiKey`, `token`, `password`, ...), keys of secret maps
 * (`identity.api_keys`), a database URL with a password, and any string the gateway holds as a
 * secret (`known`).
 */
function literalSecrets(text: string, known: ReadonlySet<string>): LiteralSecret[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const out: LiteralSecret[] = [];
  const visit = (node: Node, pointer: string, field: string): void => {
    if (node.type === 'string') {
      const value = node.value as string;
      if (value.startsWith(ENV_PREFIX) || value === '') return;
      if (SECRET_FIELDS.has(field) || known.has(value) || (field === 'url' && pointer === '/database/url' && hasUrlPassword(value))) {
        out.push({ offset: node.offset, length: node.length, value, pointer });
      }
      return;
    }
    if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => visit(child, `${pointer}/${i}`, field));
      return;
    }
    if (node.type !== 'object') return;
    const keysAreSecret = SECRET_KEY_MAPS.has(pointer);
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (keyNode === undefined) continue;
      const key = keyNode.value as string;
      const child = `${pointer}/${pointerSegment(key)}`;
      if (keysAreSecret && !key.startsWith(ENV_PREFIX)) out.push({ offset: keyNode.offset, length: keyNode.length, value: key, pointer: child });
      if (valueNode !== undefined) visit(valueNode, child, key);
    }
  };
  if (root !== undefined) visit(root, '', '');
  return out;
}

/** Thrown by {@link restoreSecrets} for a placeholder that stands for no secret of the stored config. */
export interface UnknownPlaceholder {
  /** JSON pointer where it was found. */
  readonly pointer: string;
}

/**
 * Hides and restores the literal secrets of a config text for the admin API: a secret is shown as
 * `"redacted:<16 hex>"`, an HMAC of its value under a key that stays on the server, so the same
 * secret always gets the same placeholder (and an editor's text round-trips) while nothing about
 * the value leaves; a placeholder sent back is replaced by the stored value it stands for, wherever
 * the user moved it. Comments and formatting are the user's own and stay as they are.
 */
export class ConfigSecrets {
  readonly #keyOf: () => Buffer;
  #key: Buffer | undefined;

  /**
   * @param key the HMAC key (keep it private to the gateway, e.g. a 0600 file in the data
   *   directory), or a function that loads it the first time a placeholder is needed (so a gateway
   *   whose admin API is never used writes nothing for it)
   */
  constructor(key: Buffer | (() => Buffer)) {
    this.#keyOf = typeof key === 'function' ? key : () => key;
  }

  /** The placeholder of one secret value. */
  placeholder(value: string): string {
    return `${REDACTED_PREFIX}${createHmac('sha256', (this.#key ??= this.#keyOf())).update(value).digest('hex').slice(0, 16)}`;
  }

  /** `text` with every literal secret replaced by its placeholder. */
  redact(text: string, known: ReadonlySet<string>): string {
    const edits = literalSecrets(text, known).map((s) => ({ offset: s.offset, length: s.length, content: JSON.stringify(this.placeholder(s.value)) }));
    return applyEdits(text, edits);
  }

  /**
   * `submitted` with every placeholder replaced by the secret of `stored` it stands for. Returns
   * the pointers of placeholders that stand for nothing stored (a secret typed as a placeholder,
   * or one removed meanwhile): the caller refuses the text.
   */
  restore(submitted: string, stored: string, known: ReadonlySet<string>): { text: string; unknown: UnknownPlaceholder[] } {
    const byPlaceholder = new Map(literalSecrets(stored, known).map((s) => [this.placeholder(s.value), s.value]));
    const root = parseTree(submitted, [], { allowTrailingComma: true, disallowComments: false });
    const edits: Array<{ offset: number; length: number; content: string }> = [];
    const unknown: UnknownPlaceholder[] = [];
    const visit = (node: Node, pointer: string): void => {
      if (node.type === 'string') {
        const value = node.value as string;
        if (!PLACEHOLDER.test(value)) return;
        const secret = byPlaceholder.get(value);
        if (secret === undefined) unknown.push({ pointer });
        else edits.push({ offset: node.offset, length: node.length, content: JSON.stringify(secret) });
        return;
      }
      if (node.type === 'array') (node.children ?? []).forEach((child, i) => visit(child, `${pointer}/${i}`));
      if (node.type !== 'object') return;
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (keyNode === undefined) continue;
        const child = `${pointer}/${pointerSegment(keyNode.value as string)}`;
        visit(keyNode, child);
        if (valueNode !== undefined) visit(valueNode, child);
      }
    };
    if (root !== undefined) visit(root, '');
    return { text: applyEdits(submitted, edits), unknown };
  }
}
