/**
 * Aperture's `models` globs over `provider/model`: `*` matches within one `/`-separated segment
 * (`claude-sonnet*` as the model part, `aperture-*` as the provider part), `**` as a whole segment
 * matches zero or more segments (`**`, `anthropic/**`). Every other character is literal, and
 * matching is case-sensitive. Globs are compiled to anchored regular expressions once, at load.
 */

const REGEX_SPECIAL = /[.+?^${}()|[\]\\]/g;

/** The regular-expression source of one segment (`*` → `[^/]*`, the rest literal). */
function segmentSource(segment: string): string {
  return segment
    .split(/\*+/)
    .map((literal) => literal.replace(REGEX_SPECIAL, '\\$&'))
    .join('[^/]*');
}

/** Compiles a `models` glob to an anchored RegExp over `provider/model`. */
export function compileModelGlob(pattern: string): RegExp {
  // `a/**/**/b` means the same as `a/**/b`; collapsing keeps the expression simple.
  const parts = pattern.split('/').filter((p, i, all) => !(p === '**' && all[i - 1] === '**'));
  let source = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const first = i === 0;
    const last = i === parts.length - 1;
    if (part === '**') {
      if (first && last) source += '.*';
      else if (first) source += '(?:.*/)?';
      else if (last) source += '(?:/.*)?';
      else source += '/(?:.*/)?';
      continue;
    }
    if (!first && parts[i - 1] !== '**') source += '/';
    source += segmentSource(part);
  }
  return new RegExp(`^${source}$`, 's');
}

/**
 * The provider part of a `models` glob (its first segment) as a matcher over provider ids, or
 * `undefined` when the glob does not constrain the provider (it starts with a `**` segment).
 */
export function providerSegmentMatcher(pattern: string): { readonly segment: string; readonly test: (providerId: string) => boolean } | undefined {
  const segment = pattern.split('/')[0] as string;
  if (segment === '**') return undefined;
  const re = new RegExp(`^${segmentSource(segment)}$`, 's');
  return { segment, test: (id) => re.test(id) };
}
