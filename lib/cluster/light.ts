/**
 * The part of lib/cluster/ that reading 2nex.yaml needs: the executor's
 * options and their defaults, without the Slurm executor itself, which loads
 * the whole build engine.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLL_SECONDS, type ExecutorConfig } from "./light.ts";
 * const local: ExecutorConfig = { kind: "local" };
 * DEFAULT_POLL_SECONDS > 0; // true
 * ```
 * @module
 */
export { DEFAULT_POLL_SECONDS, type ExecutorConfig, type SlurmOptions } from "./types.ts";
