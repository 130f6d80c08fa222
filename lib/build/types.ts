/**
 * What the build of one package is given (the services), what it needs of each
 * dependency, and what its stages hand on: the values that pass between
 * `package.ts`, its stages, the scheduler and the rounds.
 * @module
 */
import type { GraphNode, ResultPart } from "../graph/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import type { Sandbox } from "../sandbox/mod.ts";
import type { FileChecksums, Store } from "../store/mod.ts";
import type { ResultIndex } from "./results.ts";
import type { OutputPlan } from "./outputs.ts";

export interface BuildServices {
  ws: Workspace;
  store: Store;
  sandbox: () => Promise<Sandbox>;
  index: ResultIndex;
  /** Parallel jobs inside one build (MAKEFLAGS=-jN). */
  jobsPerBuild: number;
  keepFailed: boolean;
  rebuild: boolean;
  /** Streams the build log (for -v). */
  onOutput?: (node: GraphNode, chunk: Uint8Array) => void;
  signal?: AbortSignal;
}

/** The parts of each dependency the build sees, with their results. */
export interface DependencyResult {
  part: ResultPart;
  name: string;
  /** Commit of that part, and the output hash of the dependency's whole result. */
  commit: string;
  outputHash: string;
  /** The ref the part is published under (provenance). */
  ref?: string;
}

/** A finished sandbox run whose result is hashed but not committed. */
export interface BuildRun {
  buildDir: string;
  outDir: string;
  plan: OutputPlan;
  outputHash: string;
  /**
   * What the manifest's expected hash is compared with: the output hash, or with
   * `semantics: original` the original builder's checksum of the result.
   */
  checkedHash: string;
  /** The checksums of the output's files, noted while hashing, for the commit. */
  files: FileChecksums;
  logPath: string;
  durationMs: number;
  warnings: string[];
}

/** Variations of one round (reproducibility checks); none for a normal build. */
export interface RunVariation {
  cpus?: number;
  jobs?: number;
  disableAslr?: boolean;
  /** Reorders the environment (the values stay). */
  reorderEnv?: (env: Array<[string, string]>) => Array<[string, string]>;
  /** Suffix for the build directory and log name, e.g. "round-2". */
  label?: string;
  /**
   * Replaces the work directory the sandbox sees (e.g. a disorderfs view of it, or
   * a directory on tmpfs); `release` runs after the sandbox ends.
   */
  workDir?: (
    realWork: string,
    buildDir: string,
  ) => Promise<{ path: string; release(): Promise<void> }>;
}
