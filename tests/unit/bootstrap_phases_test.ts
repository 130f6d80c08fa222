/**
 * The bootstrap's layering (docs/bootstrap.md): every dependency of a
 * manifests/bootstrap manifest names its flavor, and a phaseN package depends
 * only on phaseN and phase(N-1) packages, so no host-built phase0 result can
 * reach phase2 except through phase1.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { manifestFiles } from "../../scripts/manifest-sources.ts";
import { repoRoot } from "../helpers/cli.ts";

const PHASE = /^bootstrap\/phase(\d+)$/;

/** Each problem as "FILE: dependency NAME has flavor F", empty when the layering holds. */
function layeringProblems(file: string, doc: unknown): string[] {
  const record = doc as {
    package?: { flavor?: string };
    dependencies?: Array<{ name?: string; flavor?: string; commit?: string }> | null;
  };
  const own = PHASE.exec(record.package?.flavor ?? "");
  if (!own) return [`${file}: flavor ${record.package?.flavor} is not bootstrap/phaseN`];
  const phase = Number(own[1]);
  const problems: string[] = [];
  for (const dep of record.dependencies ?? []) {
    if (dep.commit !== undefined) continue;
    const match = PHASE.exec(dep.flavor ?? "");
    const depPhase = match ? Number(match[1]) : NaN;
    if (depPhase !== phase && depPhase !== phase - 1) {
      problems.push(`${file}: dependency ${dep.name} has flavor ${dep.flavor ?? "(none)"}`);
    }
  }
  return problems;
}

Deno.test("layeringProblems: the phase before and the own phase pass, others do not", () => {
  const doc = (deps: string[]) => ({
    package: { flavor: "bootstrap/phase2" },
    dependencies: deps.map((flavor, i) => ({ name: `d${i}`, flavor })),
  });
  assert.deepEqual(layeringProblems("m", doc(["bootstrap/phase1", "bootstrap/phase2"])), []);
  assert.deepEqual(layeringProblems("m", doc(["bootstrap/phase0"])), [
    "m: dependency d0 has flavor bootstrap/phase0",
  ]);
  assert.equal(
    layeringProblems("m", {
      package: { flavor: "bootstrap/phase1" },
      dependencies: [{ name: "x" }],
    }).length,
    1,
  );
});

Deno.test("manifests/bootstrap: phaseN depends only on phaseN and phase(N-1)", async () => {
  const dir = join(repoRoot, "manifests", "bootstrap");
  const problems: string[] = [];
  let count = 0;
  for await (const file of manifestFiles(dir)) {
    count++;
    problems.push(
      ...layeringProblems(relative(repoRoot, file), parse(await Deno.readTextFile(file))),
    );
  }
  assert.ok(count > 0, "no bootstrap manifests found");
  assert.deepEqual(problems, []);
});

/**
 * "FILE: …" for a manifest whose recorded hash contradicts its place in the
 * chain: phase0 results depend on the host compiler, so they record none and say
 * so (`stable_checksum: false`); every later phase and every real package must
 * record the hash that the proof checks on every host.
 */
function hashProblems(file: string, doc: unknown): string[] {
  const pkg =
    (doc as { package?: { flavor?: string; checksum?: string; stable_checksum?: boolean } })
      .package ?? {};
  if (pkg.flavor === "bootstrap/phase0") {
    if (pkg.checksum !== undefined) return [`${file}: phase0 records a hash`];
    if (pkg.stable_checksum !== false) return [`${file}: phase0 without stable_checksum: false`];
    return [];
  }
  if (!/^[0-9a-f]{64}$/.test(pkg.checksum ?? "")) return [`${file}: no recorded hash`];
  return [];
}

Deno.test("hashProblems: phase0 records none, every other manifest one", () => {
  const hash = "a".repeat(64);
  const doc = (flavor: string, extra: Record<string, unknown>) => ({
    package: { flavor, ...extra },
  });
  assert.deepEqual(hashProblems("f", doc("bootstrap/phase0", { stable_checksum: false })), []);
  assert.deepEqual(hashProblems("f", doc("bootstrap/phase0", { checksum: hash })), [
    "f: phase0 records a hash",
  ]);
  assert.deepEqual(hashProblems("f", doc("bootstrap/phase0", {})), [
    "f: phase0 without stable_checksum: false",
  ]);
  assert.deepEqual(hashProblems("f", doc("bootstrap/phase2", { checksum: hash })), []);
  assert.deepEqual(hashProblems("f", doc("main", {})), ["f: no recorded hash"]);
  assert.deepEqual(hashProblems("f", doc("tcc", { checksum: "abc" })), ["f: no recorded hash"]);
});

Deno.test("manifests/bootstrap and manifests/packages: a recorded hash after phase0", async () => {
  const problems: string[] = [];
  let count = 0;
  for (const dir of ["bootstrap", "packages"]) {
    for await (const file of manifestFiles(join(repoRoot, "manifests", dir))) {
      count++;
      problems.push(
        ...hashProblems(relative(repoRoot, file), parse(await Deno.readTextFile(file))),
      );
    }
  }
  assert.ok(count > 0, "no manifests found");
  assert.deepEqual(problems, []);
});
