import { resolve } from 'node:path';
import { DEFAULT_STORE_FILE, openStore } from './open-store.js';
import type { Store, StoreOptions } from './types.js';

/** A hold on a store shared by everything in this process that opened the same database. */
export interface StoreLease {
  /** The shared store. */
  readonly store: Store;
  /** Gives the hold back; the last one closes the store. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  readonly opening: Promise<Store>;
  holders: number;
}

const shared = new Map<string, Entry>();

/** Which database `options` point at: the PostgreSQL URL, or the SQLite file's absolute path. */
function keyOf(options: StoreOptions): string {
  const url = options.url?.trim() ?? '';
  return url !== '' ? url : `sqlite:${resolve(options.dataDir, options.file ?? DEFAULT_STORE_FILE)}`;
}

/**
 * Opens the store `options` point at, or joins the one already open in this process for the same
 * database: the capture and quotas plugins share one connection pool (one SQLite worker), and a
 * configuration reload, whose new runtime acquires before the old one releases, keeps it open.
 * Rejects like {@link openStore} (and then holds nothing).
 */
export async function acquireStore(options: StoreOptions): Promise<StoreLease> {
  const key = keyOf(options);
  let entry = shared.get(key);
  if (entry === undefined) {
    const opening = openStore(options);
    entry = { opening, holders: 0 };
    shared.set(key, entry);
    opening.catch(() => {
      if (shared.get(key) === entry) shared.delete(key);
    });
  }
  entry.holders++;
  let store: Store;
  try {
    store = await entry.opening;
  } catch (err) {
    entry.holders--;
    throw err;
  }
  let released = false;
  const held = entry;
  return {
    store,
    async release() {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      if (shared.get(key) === held) shared.delete(key);
      await store.close();
    },
  };
}

/**
 * `database.url` of a configuration (Aperture's `database` section), `undefined` when absent or
 * empty: the embedded SQLite file then. `env:` references are already resolved by core.
 */
export function databaseUrlOf(config: Readonly<Record<string, unknown>>): string | undefined {
  const database = config.database;
  if (database === null || typeof database !== 'object') return undefined;
  const url = (database as { url?: unknown }).url;
  return typeof url === 'string' && url.trim() !== '' ? url.trim() : undefined;
}
