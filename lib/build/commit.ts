/**
 * Stage 4 of a package build: commit a verified result. The whole tree, then
 * each output and bundle, each with provenance metadata, and then every ref
 * (the package's and its input key's) at once; the result index records it.
 * Also points the refs back at a cached result.
 * @module
 */
import type { GraphNode } from "../graph/mod.ts";
import { inputKeyRef, refsOfPackage, type Store } from "../store/mod.ts";
import { FailureError } from "../util/mod.ts";
import { META, provenanceMetadata } from "./provenance.ts";
import type { ResultRecord } from "./results.ts";
import { describe } from "./describe.ts";
import { sourceDateEpochOf } from "./mode.ts";
import type { BuildRun, BuildServices, DependencyResult } from "./types.ts";

/** Commits a verified run: the tree, each output, each bundle, then all refs at once. */
export async function commitRun(
  node: GraphNode,
  run: BuildRun,
  services: BuildServices,
  inputKey: string,
  deps: DependencyResult[],
): Promise<ResultRecord> {
  const manifest = node.manifest;
  const { store } = services;
  const timestamp = sourceDateEpochOf(services.ws, manifest);
  const metadata = await provenanceMetadata(
    services.ws,
    manifest,
    await Promise.all(deps.map(async (dep) => ({
      name: dep.name,
      ref: dep.ref ?? dep.commit,
      commit: dep.commit,
      contentChecksum: await store.contentChecksum(dep.commit),
    }))),
    inputKey,
    run.outputHash,
  );
  if (run.checkedHash !== run.outputHash) metadata[META.checkedHash] = run.checkedHash;
  const subject = describe(manifest);
  const tree = await store.commit(run.outDir, {
    subject,
    metadata: { ...metadata, [META.contentChecksum]: run.outputHash },
    timestamp,
    consume: true,
    files: run.files,
  });
  if (tree.contentChecksum !== run.outputHash) {
    throw new FailureError(
      `internal error: committed content ${tree.contentChecksum} differs from the computed hash ${run.outputHash}`,
    );
  }
  const refs = refsOfPackage(manifest.package);
  const parts: Record<string, string> = { tree: tree.commit };
  const newRefs: Record<string, string> = { [refs.tree]: tree.commit };
  for (const [name, files] of Object.entries(run.plan.byOutput)) {
    const output = await store.commitPaths(tree.commit, files, {
      subject: `${subject} output ${name}`,
      metadata,
      timestamp,
      contentChecksumKey: META.contentChecksum,
    });
    parts[`outputs/${name}`] = output.commit;
    newRefs[refs.output(name)] = output.commit;
  }
  for (const [name, members] of Object.entries(manifest.bundles)) {
    const bundle = await store.commitUnion(members.map((m) => parts[`outputs/${m}`]), {
      subject: `${subject} bundle ${name}`,
      metadata,
      timestamp,
      contentChecksumKey: META.contentChecksum,
    });
    parts[`bundles/${name}`] = bundle.commit;
    newRefs[refs.bundle(name)] = bundle.commit;
  }
  newRefs[inputKeyRef(inputKey)] = tree.commit;
  await store.setRefs(newRefs);
  const record: ResultRecord = {
    inputKey,
    outputHash: run.outputHash,
    ...(run.checkedHash !== run.outputHash && { checkedHash: run.checkedHash }),
    commit: tree.commit,
    parts,
    manifest: manifest.path,
    durationMs: Math.round(run.durationMs),
  };
  await services.index.put(record);
  return record;
}

/** Points the package's refs at a cached result (after a revert, say); no process when they already do. */
export async function restoreRefs(
  node: GraphNode,
  record: ResultRecord,
  store: Store,
): Promise<void> {
  const m = node.manifest;
  const refs = refsOfPackage(m.package);
  const wanted: Record<string, string> = {};
  for (const [part, commit] of Object.entries(record.parts)) {
    const ref = part === "tree"
      ? refs.tree
      : part.startsWith("outputs/")
      ? refs.output(part.slice(8))
      : refs.bundle(part.slice(8));
    // Synchronous: a no-op asks this for every part of every package.
    if (store.resolveRefSync(ref) !== commit) wanted[ref] = commit;
  }
  if (Object.keys(wanted).length > 0) await store.setRefs(wanted);
}
