/**
 * What manifests/packages may build on (manifests/packages/README.md): every
 * manifest is hermetic, so its hash is the same on any host. The distribution's
 * packages (flavor `main`, in manifests/packages/) see only the bootstrapped GNU
 * system: phase1's toolchain and phase2's base tools. CI's copies (flavor `tcc`,
 * in manifests/packages/tcc/) see only the tcc chain, as its phase1 packages do.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { manifestFiles } from "../../scripts/manifest-sources.ts";
import { repoRoot } from "../helpers/cli.ts";

/** Per flavor of manifests/packages: the other flavors a dependency may have, and for some, which slugs. */
const ALLOWED: Record<string, Record<string, readonly string[] | "any">> = {
  main: {
    main: "any",
    "bootstrap/phase2": "any",
    // The system's toolchain is phase1's (phase2 builds no compiler); its bash
    // gives /bin/sh. Not phase1's busybox or make: phase2 replaced them.
    "bootstrap/phase1": ["glibc", "linux-headers", "binutils", "gcc", "bash"],
  },
  tcc: {
    tcc: "any",
    // Exactly what the tcc chain's own phase1 packages (hello, m4, sed) build with.
    "bootstrap/phase1": ["musl", "tcc"],
    "bootstrap/phase0": ["busybox", "make", "bash"],
  },
};

interface PackageDoc {
  package?: { flavor?: string };
  build?: { sandbox?: string };
  dependencies?: Array<{ name?: string; flavor?: string; commit?: string }> | null;
}

/** Each problem as "FILE: …", empty when the manifest builds only on what its flavor allows. */
function packageProblems(file: string, expectedFlavor: string, doc: unknown): string[] {
  const record = doc as PackageDoc;
  const flavor = record.package?.flavor ?? "main";
  const problems: string[] = [];
  if (flavor !== expectedFlavor) problems.push(`${file}: flavor ${flavor}, not ${expectedFlavor}`);
  const sandbox = record.build?.sandbox ?? "hermetic";
  if (sandbox !== "hermetic") problems.push(`${file}: sandbox ${sandbox}, not hermetic`);
  const allowed = ALLOWED[expectedFlavor] ?? {};
  for (const dep of record.dependencies ?? []) {
    const slugs = dep.flavor === undefined ? undefined : allowed[dep.flavor];
    const ok = dep.commit === undefined && slugs !== undefined &&
      (slugs === "any" || slugs.includes(dep.name ?? ""));
    if (!ok) {
      const what = dep.commit ?? `flavor ${dep.flavor ?? "(none)"}`;
      problems.push(`${file}: dependency ${dep.name} has ${what}`);
    }
  }
  return problems;
}

Deno.test("packageProblems: host mode, phase0 tools and unnamed flavors are refused", () => {
  const doc = (sandbox: string, deps: Array<[string, string | undefined]>) => ({
    package: { flavor: "main" },
    build: { sandbox },
    dependencies: deps.map(([name, flavor]) => ({ name, flavor })),
  });
  assert.deepEqual(
    packageProblems(
      "m",
      "main",
      doc("hermetic", [["gcc", "bootstrap/phase1"], ["sed", "bootstrap/phase2"], ["gmp", "main"]]),
    ),
    [],
  );
  assert.deepEqual(packageProblems("m", "main", doc("host", [])), [
    "m: sandbox host, not hermetic",
  ]);
  assert.deepEqual(
    packageProblems(
      "m",
      "main",
      doc("hermetic", [["busybox", "bootstrap/phase1"], ["gcc-cross", "bootstrap/phase0"], [
        "gmp",
        undefined,
      ]]),
    ),
    [
      "m: dependency busybox has flavor bootstrap/phase1",
      "m: dependency gcc-cross has flavor bootstrap/phase0",
      "m: dependency gmp has flavor (none)",
    ],
  );
  assert.deepEqual(packageProblems("m", "tcc", doc("hermetic", [["tcc", "bootstrap/phase1"]])), [
    "m: flavor main, not tcc",
  ]);
});

Deno.test("manifests/packages: hermetic, main on the GNU chain, tcc on the tcc chain", async () => {
  const dir = join(repoRoot, "manifests", "packages");
  const problems: string[] = [];
  const counts: Record<string, number> = { main: 0, tcc: 0 };
  for await (const file of manifestFiles(dir)) {
    const name = relative(dir, file);
    const flavor = name.startsWith("tcc/") ? "tcc" : "main";
    counts[flavor]++;
    problems.push(
      ...packageProblems(relative(repoRoot, file), flavor, parse(await Deno.readTextFile(file))),
    );
  }
  assert.ok(counts.main > 0 && counts.tcc > 0, `too few manifests: ${JSON.stringify(counts)}`);
  assert.deepEqual(problems, []);
});
