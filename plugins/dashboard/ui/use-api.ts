import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from './api.js';

/** State of one API read. */
export interface ApiState<T> {
  /** The answer, once there is one (kept while a new one loads). */
  readonly data: T | undefined;
  /** The error of the last attempt. */
  readonly error: ApiError | undefined;
  /** True while a request is in flight. */
  readonly loading: boolean;
  /** Fetches again. */
  reload(): void;
}

/** Reads `path` (JSON) whenever it changes; `null` reads nothing. Aborts stale requests. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    getJson<T>(path, ctrl.signal).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'Unexpected error', String(err));
        setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
