import type { BucketState } from '../quota/token-bucket.js';
import { type BucketStore, NAMES_PER_READ } from './bucket-store.js';

interface PendingRead {
  readonly names: readonly string[];
  readonly resolve: (states: Map<string, BucketState>) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Reads bucket balances for admission with **grouped reads**: the reads asked for in one turn of
 * the event loop go in one query (one `WHERE name IN (...)` for all their buckets), sent at the
 * end of that turn; reads asked for while a query is in flight go together in the next one. Every
 * read is answered by a query sent after it was asked for, so it sees every charge committed
 * before the request arrived, and under load many admissions share one round trip to the store.
 */
export class BalanceReader {
  readonly #buckets: Pick<BucketStore, 'read'>;
  #pending: PendingRead[] = [];
  #reading = false;
  #scheduled = false;

  constructor(buckets: Pick<BucketStore, 'read'>) {
    this.#buckets = buckets;
  }

  /** The stored states of `names` (absent: never charged, full). */
  read(names: readonly string[]): Promise<Map<string, BucketState>> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ names, resolve, reject });
      if (this.#reading || this.#scheduled) return;
      // Sent once the event loop has taken in what arrived with this request (no timer: no added
      // delay), so that requests read together under load.
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.#run();
      });
    });
  }

  async #run(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#pending.length > 0) {
        const batch: PendingRead[] = [];
        const names = new Set<string>();
        while (this.#pending.length > 0) {
          const next = this.#pending[0] as PendingRead;
          if (batch.length > 0 && names.size + next.names.length > NAMES_PER_READ) break;
          batch.push(next);
          this.#pending.shift();
          for (const n of next.names) names.add(n);
        }
        let states: Map<string, BucketState>;
        try {
          states = await this.#buckets.read([...names]);
        } catch (err) {
          for (const p of batch) p.reject(err);
          continue;
        }
        for (const p of batch) {
          const own = new Map<string, BucketState>();
          for (const n of p.names) {
            const s = states.get(n);
            if (s !== undefined) own.set(n, s);
          }
          p.resolve(own);
        }
      }
    } finally {
      this.#reading = false;
    }
  }
}
