/** The quick ref check (one pattern) against the segment-by-segment rule that explains refusals. */
import assert from "node:assert/strict";
import { isValidRef, parsePackageRef, refProblem } from "../../lib/store/refs.ts";
import { parsePrune } from "../../lib/store/repo.ts";

Deno.test("refs: isValidRef agrees with refProblem", () => {
  const pieces = ["a", "x86_64", "1.4.19", "", ".", "..", "...", "a b", "é", "+", "-", "_", "/"];
  const refs = new Set<string>();
  for (const a of pieces) {
    for (const b of pieces) {
      for (const c of pieces) refs.add(`${a}/${b}${c}`).add(`${a}${b}/${c}`).add(a + b + c);
    }
  }
  let valid = 0;
  for (const ref of refs) {
    assert.equal(isValidRef(ref), refProblem(ref) === undefined, JSON.stringify(ref));
    if (isValidRef(ref)) valid++;
  }
  // Both outcomes occur, so the comparison covers each.
  assert.ok(valid > 100 && valid < refs.size - 100, `${valid} of ${refs.size} valid`);
});

Deno.test("refs: package refs with dot segments are not package refs", () => {
  assert.deepEqual(parsePackageRef("x86_64/m4/1.4/main/bundles/dev"), {
    arch: "x86_64",
    slug: "m4",
    version: "1.4",
    flavor: "main",
    kind: "bundles",
    name: "dev",
  });
  assert.equal(parsePackageRef("x86_64/m4/../main/tree"), undefined);
  assert.equal(parsePackageRef("x86_64/m4/1.4/./tree"), undefined);
});

Deno.test("parsePrune reads ostree prune's report", () => {
  assert.deepEqual(
    parsePrune("Total objects: 120\nDeleted 7 objects, 3.1 kB freed\n"),
    { totalObjects: 120, deletedObjects: 7, freed: "3.1 kB" },
  );
  assert.deepEqual(parsePrune("Total objects: 5\nNo unreachable objects\n"), {
    totalObjects: 5,
    deletedObjects: 0,
    freed: null,
  });
});
