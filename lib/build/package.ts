/**
 * One package build: from a resolved graph node whose dependencies are built,
 * to a hashed result (SPEC sections 5 and 6). `runBuild` runs the stages in
 * order, each in its own module:
 *
 * 1. assemble the build tree: `build_tree.ts` (sources, dependency root, mounts, log);
 * 2. run the script in the sandbox: `run.ts`;
 * 3. collect the result: `collect.ts` (outputs, discard, hash);
 * 4. commit it: `commit.ts`, which the scheduler calls once the result is accepted.
 *
 * This module also owns the input key of a node and the lookup of a cached result.
 * @module
 */
import {
  computeInputKey,
  type DependencyInput,
  type GraphNode,
  type ResultPart,
} from "../graph/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import type { ResultRecord } from "./results.ts";
import { cacheLayout, markKept } from "./layout.ts";
import { hostArch, hostTarget, removeTree } from "../util/mod.ts";
import { inputKeyRef } from "../store/mod.ts";
import { assembleBuildTree } from "./build_tree.ts";
import { runScript, scriptFailed, scriptFailure } from "./run.ts";
import { discardAndHash, missingOutputsError, planResult, planWarnings } from "./collect.ts";
import { originalModeOf, sourceDateEpochOf } from "./mode.ts";
import type { BuildRun, BuildServices, DependencyResult, RunVariation } from "./types.ts";

/** How a part of a result is named in `ResultRecord.parts` and the input key: "tree", "outputs/NAME", "bundles/NAME". */
export function partKey(part: ResultPart): string {
  return part.kind === "tree" ? "tree" : `${part.kind}/${part.name}`;
}

/** The input key of a node given its dependencies' results. */
export function inputKeyOf(ws: Workspace, manifest: Manifest, deps: DependencyResult[]): string {
  const dependencies: DependencyInput[] = deps.map((d) => ({
    name: d.name,
    part: partKey(d.part),
    outputHash: d.outputHash,
  }));
  return computeInputKey({
    manifest,
    dependencies,
    workspaceEnv: ws.config.env,
    sourceDateEpoch: sourceDateEpochOf(ws, manifest),
    arch: hostArch(),
    target: hostTarget(),
    originalMode: originalModeOf(ws, manifest),
  });
}

/** Looks up a valid cached result: the index record and the repository agree. */
export async function cachedResult(
  services: Pick<BuildServices, "store" | "index">,
  key: string,
): Promise<ResultRecord | undefined> {
  return await Promise.resolve(
    services.index.confirmed(key, (key) => services.store.resolveRefSync(inputKeyRef(key))),
  );
}

/**
 * Prepares a build tree, runs the script in the sandbox, and hashes the result
 * with discarded files removed. Throws FailureError when the script fails or a
 * listed output path is missing; the build tree is removed then unless keepFailed.
 */
export async function runBuild(
  node: GraphNode,
  deps: DependencyResult[],
  services: BuildServices,
  inputKey: string,
  variation: RunVariation = {},
): Promise<BuildRun> {
  const manifest = node.manifest;
  const { ws, store } = services;
  const original = originalModeOf(ws, manifest);
  const layout = cacheLayout(ws.config.cache);
  await Deno.mkdir(layout.builds, { recursive: true });
  const label = variation.label ? `-${variation.label}` : "";
  const buildDir = await Deno.makeTempDir({
    dir: layout.builds,
    prefix: `${manifest.package.slug}-${inputKey.slice(0, 12)}${label}-`,
  });
  const started = performance.now();
  let keep = false;
  try {
    const tree = await assembleBuildTree(
      manifest,
      deps,
      services,
      buildDir,
      original,
      `${inputKey}${label}.log`,
    );
    const { dirs, logPath, warnings } = tree;
    const result = await runScript(node, tree, services, original, buildDir, variation);
    if (scriptFailed(result)) {
      keep = services.keepFailed;
      throw await scriptFailure(manifest, result, services, logPath, keep ? buildDir : undefined);
    }
    const { plan, originalHash } = await planResult(dirs.out, manifest, original);
    if (plan.missing.length > 0) {
      keep = services.keepFailed;
      throw missingOutputsError(manifest, plan, keep ? dirs.out : logPath);
    }
    warnings.push(...planWarnings(manifest, plan));
    const { outputHash, files } = await discardAndHash(dirs.out, plan, store);
    return {
      buildDir,
      outDir: dirs.out,
      plan,
      outputHash,
      checkedHash: originalHash ?? outputHash,
      files,
      logPath,
      durationMs: performance.now() - started,
      warnings,
    };
  } catch (error) {
    if (keep) await markKept(buildDir);
    else await removeTree(buildDir);
    throw error;
  }
}
