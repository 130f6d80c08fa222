/**
 * Byte-wise ordering of paths, so that reports list files in the same order on
 * every host and in every language that sorts UTF-8 bytes (as `LC_ALL=C sort` does).
 * @module
 */

/**
 * Compares two strings by the UTF-8 bytes they encode to. JavaScript's `<` compares
 * UTF-16 code units, which disagrees with byte order only when a surrogate pair
 * (a code point above U+FFFF) meets a code unit in U+E000..U+FFFF; shifting the
 * units before comparing fixes that without encoding either string.
 */
export function compareBytewise(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const unitA = a.charCodeAt(i);
    const unitB = b.charCodeAt(i);
    if (unitA !== unitB) return codePointRank(unitA) - codePointRank(unitB);
  }
  return a.length - b.length;
}

/** Maps a UTF-16 code unit to a rank in which surrogates sort after U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
