/**
 * Checks and converts query parameters for libsql before they reach it: libsql aborts the whole
 * process on a boolean and reads a text value back only up to its first U+0000, so booleans
 * become 1/0 and such strings, objects, arrays and symbols are refused with `TG_ERR_STORE_VALUE`.
 * Uint8Array (a `Buffer` arrives as one) binds as a blob.
 */
export function bindableParams(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    switch (typeof v) {
      case 'number':
      case 'bigint':
      case 'undefined':
        out[i] = v;
        break;
      case 'string':
        if (v.includes('\u0000')) throw valueError(`parameter ${i + 1} is a string with U+0000, which SQLite would truncate`);
        out[i] = v;
        break;
      case 'boolean':
        out[i] = v ? 1 : 0;
        break;
      default:
        if (v === null || v instanceof Uint8Array) out[i] = v;
        else throw valueError(`parameter ${i + 1} is ${describe(v)}; SQLite binds numbers, bigints, strings, Uint8Arrays and null (serialize JSON with JSON.stringify)`);
    }
  }
  return out;
}

/** A plain error with the store code: this module runs in the worker, which does not load core. */
const valueError = (message: string): Error => Object.assign(new TypeError(message), { code: 'TG_ERR_STORE_VALUE' });

const describe = (v: unknown): string => (v instanceof Date ? 'a Date' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
