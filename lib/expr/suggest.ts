/**
 * "Did you mean" suggestions: the candidates closest to a mistyped name by
 * Damerau-Levenshtein distance (optimal string alignment: insert, delete,
 * substitute, swap two neighbours). Used across 2nex for unknown names.
 *
 * @example
 * ```ts
 * closestNames("pakage", ["package", "vars", "host"]); // ["package"]
 * ```
 * @module
 */

/** Names longer than this get no suggestions (the distance is quadratic). */
const MAX_COMPARED_LENGTH = 128;

/** Optimal-string-alignment distance between `a` and `b`, or `limit + 1` once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a === b) return 0;
  // Three rolling rows: two back (for swaps), previous, current.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2] + 1);
      }
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/**
 * The candidates close enough to `name` to be a likely typo, best first (ties in
 * candidate order), at most `max`. A case-only difference counts as closest.
 */
export function closestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  if (name.length === 0 || name.length > MAX_COMPARED_LENGTH) return [];
  // Short names allow one edit, longer ones up to three.
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  const lowerName = name.toLowerCase();
  const scored: Array<{ candidate: string; distance: number; order: number }> = [];
  let order = 0;
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (candidate === name || seen.has(candidate)) continue;
    seen.add(candidate);
    if (candidate.length > MAX_COMPARED_LENGTH) continue;
    const distance = candidate.toLowerCase() === lowerName
      ? 0.5
      : editDistance(lowerName, candidate.toLowerCase(), limit);
    // A distance equal to the name's length means nothing of it survived.
    if (distance <= limit && distance < name.length) {
      scored.push({ candidate, distance, order: order++ });
    }
  }
  scored.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return scored.slice(0, max).map((s) => s.candidate);
}

/** `; did you mean "x"?` for a message, or "" when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>, prefix = ""): string {
  const close = closestNames(name, candidates, 1);
  return close.length > 0 ? `; did you mean "${prefix}${close[0]}"?` : "";
}
