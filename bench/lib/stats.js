/** Small statistics helpers: latency samples, percentiles, medians. */

/** A growable list of latency samples in milliseconds (sub-millisecond precision). */
export class Samples {
  #data = new Float64Array(1 << 14);
  #size = 0;

  /** @param {number} ms */
  push(ms) {
    if (this.#size === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#size++] = ms;
  }

  /** Number of samples. */
  get size() {
    return this.#size;
  }

  /** A sorted copy. @returns {Float64Array} */
  sorted() {
    return this.#data.slice(0, this.#size).sort();
  }
}

/**
 * The `p`-th percentile (0..100) of sorted values (nearest rank), or `undefined` when empty.
 * @param {Float64Array | number[]} sorted
 * @param {number} p
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Median of the defined values, or `undefined`.
 * @param {Array<number | undefined>} values
 */
export function median(values) {
  const defined = /** @type {number[]} */ (values.filter((v) => typeof v === 'number' && Number.isFinite(v))).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  const mid = defined.length >> 1;
  return defined.length % 2 === 1 ? defined[mid] : ((/** @type {number} */ (defined[mid - 1]) + /** @type {number} */ (defined[mid])) / 2);
}

/**
 * Rounds for reports.
 * @param {number | undefined} value
 * @param {number} [digits]
 */
export function round(value, digits = 3) {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
