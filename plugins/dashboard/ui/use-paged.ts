import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from './api.js';
import type { Page } from './api-types.js';

/** A cursor-paged list read from the API. */
export interface PagedState<T> {
  /** Items loaded so far. */
  readonly items: readonly T[];
  /** True when the API said there is more. */
  readonly hasMore: boolean;
  /** True while a page loads. */
  readonly loading: boolean;
  /** Error of the last page. */
  readonly error: ApiError | undefined;
  /** Loads the next page. */
  loadMore(): void;
}

/**
 * Reads a list endpoint page by page (`?cursor=`), items under `key`. Starts over whenever
 * `path` (with its filters) changes.
 */
export function usePaged<T>(path: string | null, key: string): PagedState<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const fetchPage = useCallback(
    (after: string | null, reset: boolean, signal?: AbortSignal) => {
      if (path === null) return;
      setLoading(true);
      setError(undefined);
      const url = after === null ? path : `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams({ cursor: after }).toString()}`;
      getJson<Page & Record<string, unknown>>(url, signal).then(
        (page) => {
          const got = (page[key] as T[] | undefined) ?? [];
          setItems((prev) => (reset ? got : [...prev, ...got]));
          setCursor(page.next_cursor ?? null);
          setLoading(false);
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          setError(err instanceof ApiError ? err : new ApiError(0, 'Unexpected error', String(err)));
          setLoading(false);
        },
      );
    },
    [path, key],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    setItems([]);
    setCursor(null);
    fetchPage(null, true, ctrl.signal);
    return () => ctrl.abort();
  }, [fetchPage]);

  return { items, hasMore: cursor !== null, loading, error, loadMore: () => fetchPage(cursor, false) };
}
