/**
 * Building on a cluster: the workspace's `executor:` settings and the Slurm
 * executor, which submits one job per package and takes every result back
 * through the signed cache.
 * @module
 */
export { DEFAULT_POLL_SECONDS, type ExecutorConfig, type SlurmOptions } from "./types.ts";
export { buildOnSlurm } from "./slurm.ts";
