import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input` when it is close enough to be a typo (case-insensitive
 * Levenshtein distance at most a third of the longer word, and at least one edit allowed), else
 * `undefined`. For "did you mean" hints on plugin names, config keys and models.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const d = distance(needle, candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(needle.length, candidate.length) / 3));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean "x"?` for the closest candidate, or `""`. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
