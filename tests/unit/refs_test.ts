/** The quick ref check (one pattern) against the segment-by-segment rule that explains refusals. */
import assert from "node:assert/strict";
import { isValidRef, parsePackageRef, refProblem, refsOfPackage } from "../../lib/store/refs.ts";
import { hostArch, InvalidInputError } from "../../lib/util/mod.ts";
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

Deno.test("refsOfPackage remembers a package's refs, and not past a change of its names", () => {
  const pkg = { slug: "m4", version: "1.4.19", flavor: "main" };
  const first = refsOfPackage(pkg);
  assert.equal(refsOfPackage(pkg), first);
  assert.equal(first.output("bin"), `${hostArch()}/m4/1.4.19/main/outputs/bin`);
  assert.equal(first.output("bin"), first.output("bin"));
  assert.throws(() => first.bundle("a/b"), InvalidInputError);
  pkg.version = "1.4.20";
  assert.equal(refsOfPackage(pkg).tree, `${hostArch()}/m4/1.4.20/main/tree`);
  // Another object with the same names gets the same names.
  assert.equal(refsOfPackage({ ...pkg }).bundle("dev"), `${hostArch()}/m4/1.4.20/main/bundles/dev`);
});
