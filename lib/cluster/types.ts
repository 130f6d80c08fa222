/**
 * Executors: where `build` runs the packages it must build. `local` is the
 * scheduler in lib/build/; `slurm` submits one job per package to a Slurm
 * cluster (lib/cluster/slurm.ts).
 * @module
 */

/** The options of the Slurm executor (`executor: {slurm: {…}}` in 2nex.yaml). */
export interface SlurmOptions {
  /**
   * The signed binary cache (an archive ostree repository, a path every node
   * can write) that jobs publish their results to and take dependencies from.
   */
  cache: string;
  /** The ed25519 secret key file jobs sign with (readable on every node). */
  key: string;
  partition?: string;
  account?: string;
  /** Added to every `sbatch` command line, as written. */
  sbatchArgs: string[];
  /** Node-local directory for each job's repository and source cache (default: the node's TMPDIR). */
  nodeDir?: string;
  /** Seconds between two looks at the jobs' states. */
  pollSeconds: number;
}

export type ExecutorConfig = { kind: "local" } | { kind: "slurm"; slurm: SlurmOptions };

export const EXECUTOR_KINDS = ["local", "slurm"] as const;

export const DEFAULT_POLL_SECONDS = 2;
