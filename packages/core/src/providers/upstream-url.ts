const VERSION_SEGMENT = /^v\d+(?:(?:alpha|beta)\d*)?$/;

/**
 * Joins a provider base path with an API path without doubling the version: base `/v1` +
 * `/v1/chat/completions` gives `/v1/chat/completions`; base `/openai/v1` + `/v1/chat/completions`
 * gives `/openai/v1/chat/completions`; base `` + `/v1beta/models/x` keeps the path. When the
 * base ends with a version segment, the base's version wins.
 */
export function joinUpstreamPath(basePath: string, apiPath: string): string {
  const base = basePath.replace(/\/+$/, '');
  const [pathOnly, query] = splitQuery(apiPath);
  const baseLast = base.slice(base.lastIndexOf('/') + 1);
  const firstEnd = pathOnly.indexOf('/', 1);
  const first = pathOnly.slice(1, firstEnd === -1 ? undefined : firstEnd);
  let rest = pathOnly;
  if (VERSION_SEGMENT.test(baseLast) && VERSION_SEGMENT.test(first)) rest = firstEnd === -1 ? '' : pathOnly.slice(firstEnd);
  return `${base}${rest}${query}`;
}

function splitQuery(path: string): [string, string] {
  const q = path.indexOf('?');
  return q === -1 ? [path, ''] : [path.slice(0, q), path.slice(q)];
}
