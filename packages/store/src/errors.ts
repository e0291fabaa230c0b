import { TollgateError } from '@tollgate/core';

/** Codes of the errors the store throws. Assert on these, never on messages. */
export type StoreErrorCode =
  /** `url` has a scheme the store does not know. */
  | 'TG_ERR_STORE_URL'
  /** The database could not be opened (file, directory, permissions, first connection). */
  | 'TG_ERR_STORE_OPEN'
  /** A migration failed; the message names the namespace and the migration. */
  | 'TG_ERR_STORE_MIGRATION'
  /** The store was closed. */
  | 'TG_ERR_STORE_CLOSED'
  /** The SQLite worker thread ended while queries were pending. */
  | 'TG_ERR_STORE_WORKER'
  /** A query parameter SQLite cannot bind (an object, an array, a string with U+0000). */
  | 'TG_ERR_STORE_VALUE';

/** Creates a tollgate error with a store code. */
export function storeError(code: StoreErrorCode, message: string, cause?: unknown): TollgateError {
  return new TollgateError(code, message, cause === undefined ? {} : { cause });
}
