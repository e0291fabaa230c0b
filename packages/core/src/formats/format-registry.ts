import { TollgateError } from '../errors.js';
import type { FormatAdapter } from './format-adapter.js';

/** The API formats a runtime serves. Plugins may register more in `apply`. */
export class FormatRegistry {
  readonly #byName = new Map<string, FormatAdapter>();
  readonly #byPath = new Map<string, FormatAdapter>();
  #frozen = false;

  /** Registers an adapter; throws `TG_ERR_FORMAT_CONFLICT` on a duplicate name or path. */
  register(adapter: FormatAdapter): this {
    if (this.#frozen) throw new TollgateError('TG_ERR_GATEWAY_STATE', `cannot register format "${adapter.name}": formats are registered in apply()`);
    if (this.#byName.has(adapter.name)) throw new TollgateError('TG_ERR_FORMAT_CONFLICT', `format "${adapter.name}" is already registered`);
    for (const path of adapter.paths) {
      const other = this.#byPath.get(path);
      if (other !== undefined) throw new TollgateError('TG_ERR_FORMAT_CONFLICT', `path ${path} of format "${adapter.name}" is already served by "${other.name}"`);
    }
    this.#byName.set(adapter.name, adapter);
    for (const path of adapter.paths) this.#byPath.set(path, adapter);
    return this;
  }

  /** The adapter with this name. */
  get(name: string): FormatAdapter | undefined {
    return this.#byName.get(name);
  }

  /** All adapters, in registration order. */
  all(): FormatAdapter[] {
    return [...this.#byName.values()];
  }

  /** Names of all adapters. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Stops further registration (called once all plugins are applied). */
  freeze(): void {
    this.#frozen = true;
  }
}
