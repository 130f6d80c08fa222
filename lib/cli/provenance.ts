/** `2nex provenance PKG [--sbom]`: what a built result was made from, as standard documents. */
import type { Command } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { ExitCode, FailureError } from "../util/errors.ts";
import { parsePackageRef, refsOfPackage } from "../store/refs.ts";
import { Store } from "../store/mod.ts";
import { readProvenance } from "../build/provenance.ts";
import {
  type ClosureEntry,
  inTotoStatement,
  spdxDocument,
  type Subject,
} from "../build/attestation.ts";
import { describe } from "../build/describe.ts";
import { hostArch } from "../util/platform.ts";
import { VERSION } from "../version.ts";

export const provenanceCommand: Command = {
  name: "provenance",
  summary: "in-toto/SLSA provenance of a built package, or an SPDX 2.3 SBOM with --sbom",
  usage: "2nex provenance PKG [--sbom] [--flavor F]",
  help: `Prints, as JSON, an in-toto Statement v1 whose subjects are PKG's committed
results (its tree, outputs and bundles, with their content checksums) and whose
SLSA provenance v1 predicate lists what they were built from: the manifest (path
in the workspace and sha256), each source (URL and sha256), each dependency
(ref, ostree commit, content checksum), the input key, the sandbox mode and the
2nex version. Everything comes from the commits' metadata, so a result pulled
from a substituter has the provenance of the machine that built it.

Options:
      --sbom       an SPDX 2.3 document of PKG and its whole dependency closure instead
      --flavor F   narrow package selectors to flavor F

Example:
  2nex provenance hello > hello.intoto.json
  2nex provenance hello --sbom > hello.spdx.json`,
  options: { sbom: { type: "boolean" }, flavor: { type: "string" } },
  maxPositionals: 1,
  minPositionals: 1,
  async run(context, positionals, options) {
    const { loaded, selected } = await loadSelected(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    const manifest = selected[0].manifest;
    const store = await Store.open(loaded.ws.config.repo);
    const treeRef = refsOfPackage(manifest.package).tree;
    const tree = await store.resolveRef(treeRef);
    if (!tree) {
      throw new FailureError(`${describe(manifest)} is not built`, {
        hint: "build it (or get it from a substituter) first",
      });
    }
    const provenance = readProvenance(await store.readMetadata(tree));
    if (!provenance) {
      throw new FailureError(`${treeRef} records no 2nex provenance`, {
        hint: "rebuild it with this version of 2nex (`2nex build --rebuild`)",
      });
    }
    const document = options.sbom
      ? spdxDocument(
        await closureOf(store, treeRef, tree),
        (await store.readCommit(tree)).timestamp,
        VERSION,
      )
      : inTotoStatement({
        subjects: await subjectsOf(store, treeRef),
        provenance,
        arch: hostArch(),
      });
    context.out.print(JSON.stringify(document, null, 2));
    return ExitCode.ok;
  },
};

/** The package's refs (tree, outputs, bundles) with their commits and content checksums. */
async function subjectsOf(store: Store, treeRef: string): Promise<Subject[]> {
  const base = treeRef.slice(0, -"tree".length);
  const refs = await store.listRefs(base);
  const subjects: Subject[] = [];
  for (const [ref, commit] of Object.entries(refs)) {
    if (parsePackageRef(ref) === undefined) continue;
    subjects.push({ ref, commit, contentChecksum: await store.contentChecksum(commit) });
  }
  return subjects;
}

/** The result and, breadth first, every dependency commit its provenance names. */
async function closureOf(store: Store, treeRef: string, tree: string): Promise<ClosureEntry[]> {
  const closure: ClosureEntry[] = [];
  const seen = new Set<string>();
  const queue: Array<{ ref: string; commit: string }> = [{ ref: treeRef, commit: tree }];
  while (queue.length > 0) {
    const { ref, commit } = queue.shift()!;
    if (seen.has(commit) || !await store.hasCommit(commit)) continue;
    seen.add(commit);
    const object = await store.readCommit(commit);
    const provenance = readProvenance(object.metadata);
    if (!provenance) continue;
    const parsed = parsePackageRef(ref);
    closure.push({
      ref,
      slug: parsed?.slug ?? ref,
      version: parsed?.version ?? "NOASSERTION",
      commit,
      contentChecksum: object.contentChecksum,
      provenance,
    });
    for (const dep of provenance.dependencies) queue.push({ ref: dep.ref, commit: dep.commit });
  }
  return closure;
}
