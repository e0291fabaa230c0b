/**
 * The set of secret values a configuration holds (provider keys, hook keys, client API keys,
 * anything read from `env:`). The logger scrubs every one of them from every line it writes,
 * as a second line of defence after field redaction.
 */
export class SecretRegistry {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /** Shortest value treated as a secret; shorter strings would scrub innocent text. */
  static readonly MIN_LENGTH = 6;

  /** Registers a secret value. */
  add(value: string | undefined): void {
    if (value === undefined || value.length < SecretRegistry.MIN_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    this.#pattern = undefined;
  }

  /** Registers every secret of another registry. */
  addAll(other: SecretRegistry): void {
    for (const s of other.values()) this.add(s);
  }

  /** The registered values. */
  values(): IterableIterator<string> {
    return this.#secrets.values();
  }

  /** Number of registered secrets. */
  get size(): number {
    return this.#secrets.size;
  }

  /** True when a registered secret occurs in `text`. */
  appearsIn(text: string): boolean {
    for (const s of this.#secrets) if (text.includes(s)) return true;
    return false;
  }

  /** Replaces every registered secret in `text` with `***`. */
  scrub(text: string): string {
    if (this.#secrets.size === 0) return text;
    // Every log line comes through here and almost none holds a secret: a plain substring search
    // per secret settles that faster than the alternation regex (which then does the replacing).
    let found = false;
    for (const s of this.#secrets) {
      if (text.includes(s)) {
        found = true;
        break;
      }
    }
    if (!found) return text;
    this.#pattern ??= new RegExp(
      [...this.#secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, '***');
  }
}
