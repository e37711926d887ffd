/**
 * Suggestions for "did you mean" messages: the candidates nearest to `query`,
 * ranked by edit distance, with matches on the last dotted segment first
 * (users usually get the module path right and the leaf name wrong, or the reverse).
 */
export function closestNames(query: string, candidates: Iterable<string>, limit = 5): string[] {
  // Edit distance is quadratic: a hostile 5 MB name must not take minutes to misspell.
  if (query.length > MAX_QUERY_LENGTH) return [];
  const lastSegment = (s: string) => s.slice(s.lastIndexOf('.') + 1);
  const scored: Array<[number, string]> = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length > MAX_QUERY_LENGTH) continue;
    const whole = editDistance(query, candidate);
    const leaf = editDistance(lastSegment(query), lastSegment(candidate));
    scored.push([Math.min(whole, leaf + 0.5), candidate]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, limit).map(([, name]) => name);
}

const MAX_QUERY_LENGTH = 256;

/** Levenshtein distance, two rows of memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
