/**
 * Line and column positions in a text. Diagnostics and expression errors both
 * point into manifest text; one definition keeps their lines and columns equal.
 *
 * @example
 * ```ts
 * const starts = lineStarts("a: 1\nb: x\n");
 * positionAt(starts, 8); // { line: 2, col: 4 }
 * ```
 * @module
 */

/** Offsets where each line of `text` starts: 0, then one past every "\n". */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * 1-based line and column of `offset`, given the text's `lineStarts` (columns
 * in UTF-16 units, as editors and the diagnostics count them).
 */
export function positionAt(
  starts: readonly number[],
  offset: number,
): { line: number; col: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, col: offset - starts[low] + 1 };
}
