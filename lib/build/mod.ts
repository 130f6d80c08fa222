/**
 * One package build and the scheduler for many (SPEC sections 4 and 6): the
 * cache layout and workspace state, fetch plans, assembling a dependency root,
 * running the sandbox, planning outputs, provenance and attestations, rounds
 * for `--check`, substitution from a cache, and garbage collection.
 *
 * Other folders use this surface; files of lib/build/ import each other directly.
 * @module
 */
export { cachedResult, inputKeyOf } from "./package.ts";
export { type ClosureEntry, inTotoStatement, spdxDocument, type Subject } from "./attestation.ts";
export { type NodeReport, schedule, type SchedulerEvent } from "./scheduler.ts";
export { describePackageStatus, type PackageStatus } from "./status.ts";
export { ResultIndex } from "./results.ts";
export { RoundRunner } from "./rounds.ts";
export { cacheLayout, latestLogPath } from "./layout.ts";
export { collectGarbage } from "./gc.ts";
export { fetchItems, fetchManifestSources, fetchPlanSources } from "./fetch_plan.ts";
export { openWorkspaceState, type WorkspaceState } from "./state.ts";
export { readProvenance } from "./provenance.ts";
export { substitutePlan } from "./substitute.ts";
export type { BuildServices } from "./types.ts";
export { buildEnvironment, buildLimitsOf, describeBuildMode, timeoutSecondsOf } from "./mode.ts";
export { dependencyResults, hasCachedResult } from "./node_results.ts";
export { describe } from "./describe.ts";
