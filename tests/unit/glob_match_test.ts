/**
 * The wildcard matching of output patterns (lib/build/output_match.ts matchSegment)
 * against a regular expression made from the same pattern, on every short
 * pattern and name over a small alphabet, names with a literal "*" included.
 */
import assert from "node:assert/strict";
import { matchSegment } from "../../lib/build/output_match.ts";

/** What a segment pattern means: `*` any run of characters, `?` one, the rest itself. */
function referenceMatch(pattern: string, text: string): boolean {
  const source = [...pattern].map((c) =>
    c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("");
  return new RegExp(`^${source}$`, "s").test(text);
}

function* words(alphabet: string, maxLength: number): Generator<string> {
  yield "";
  let level = [""];
  for (let length = 1; length <= maxLength; length++) {
    level = level.flatMap((w) => [...alphabet].map((c) => w + c));
    yield* level;
  }
}

Deno.test("matchSegment agrees with the regular expression of its pattern", () => {
  const names = [...words("ab*", 4)];
  let compared = 0;
  for (const pattern of words("ab*?", 4)) {
    for (const name of names) {
      assert.equal(
        matchSegment(pattern, name),
        referenceMatch(pattern, name),
        `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(name)}`,
      );
      compared++;
    }
  }
  assert.equal(compared, 341 * 121);
});

Deno.test("a star in the pattern still backtracks past a literal star in the name", () => {
  assert.equal(matchSegment("*a", "*ba"), true);
  assert.equal(matchSegment("lib*.so", "lib*x.so"), true);
});
