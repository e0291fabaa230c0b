import type { ConfigProblem, ValidateResult } from './api-types.js';

/** An API answer that was not 2xx, with its RFC 9457 problem details when the server sent them. */
export class ApiError extends Error {
  /** HTTP status (0 when the request did not reach the server). */
  readonly status: number;
  /** Problem title. */
  readonly title: string;
  /** Problem detail, if any. */
  readonly detail: string | undefined;
  /** Validation errors a 422 carries. */
  readonly errors: readonly ConfigProblem[];

  constructor(status: number, title: string, detail?: string, errors: readonly ConfigProblem[] = []) {
    super(detail === undefined ? title : `${title}: ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

/** Reads a non-2xx answer into an {@link ApiError}. */
async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // Not JSON: the status line is all there is.
  }
  const title = typeof body.title === 'string' ? body.title : res.statusText || `HTTP ${res.status}`;
  const detail = typeof body.detail === 'string' ? body.detail : undefined;
  return new ApiError(res.status, title, detail, normalizeProblems(body.errors));
}

/** Accepts `[{path, message}]` and plain strings (Aperture's `errors: [string]`). */
export function normalizeProblems(value: unknown): ConfigProblem[] {
  if (!Array.isArray(value)) return [];
  return value.map((e: unknown) => {
    if (typeof e === 'string') {
      const m = /^(\S+): (.*)$/s.exec(e);
      return m === null ? { path: '', message: e } : { path: m[1] ?? '', message: m[2] ?? '' };
    }
    const o = (e ?? {}) as Record<string, unknown>;
    return { path: typeof o.path === 'string' ? o.path : '', message: typeof o.message === 'string' ? o.message : String(o.message ?? '') };
  });
}

/**
 * The errors and warnings of a validation answer: from `issues` (each with its path and
 * severity) when the server sends them, else from `errors` and `warnings`.
 */
export function validationProblems(body: ValidateResult): { errors: ConfigProblem[]; warnings: ConfigProblem[] } {
  if (Array.isArray(body.issues)) {
    return {
      errors: normalizeProblems(body.issues.filter((i) => i?.severity === 'error')),
      warnings: normalizeProblems(body.issues.filter((i) => i?.severity !== 'error')),
    };
  }
  return { errors: normalizeProblems(body.errors), warnings: normalizeProblems(body.warnings) };
}

/** Sends a request with same-origin credentials; throws {@link ApiError} on anything but 2xx. */
async function send(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'The gateway could not be reached', (err as Error).message);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

/** `GET` a JSON endpoint. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await send(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  return (await res.json()) as T;
}

/** `GET` a JSON endpoint and its response headers (for `ETag`). */
export async function getJsonWithHeaders<T>(path: string): Promise<{ body: T; headers: Headers }> {
  const res = await send(path, { headers: { accept: 'application/json' } });
  return { body: (await res.json()) as T, headers: res.headers };
}

/**
 * A mutating call: JSON body with `Content-Type: application/json` (core refuses anything else
 * cross-origin), same-origin credentials, extra headers such as `If-Match`.
 */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ body: T; headers: Headers }> {
  const res = await send(path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { body: (text === '' ? undefined : JSON.parse(text)) as T, headers: res.headers };
}

/**
 * Downloads a list endpoint as CSV (`Accept: text/csv`, as the read API serves it) and hands it
 * to the browser as a file named `filename`.
 */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const res = await send(path, { headers: { accept: 'text/csv' } });
  const blob = new Blob([await res.arrayBuffer()], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Builds `path?query` from the defined, non-empty values. */
export function withQuery(path: string, query: Readonly<Record<string, string | number | undefined | null>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
}
