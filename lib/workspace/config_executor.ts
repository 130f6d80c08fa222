/**
 * The `executor:` key of 2nex.yaml: `local`, or `slurm:` with its options
 * (lib/cluster/), whose keys and hints are in config_table.ts.
 * @module
 */
import {
  fieldsOf,
  isYamlScalar,
  keysOf,
  offsetOf,
  requiredHint,
  type YamlNode,
} from "../manifest/mod.ts";
import { DEFAULT_POLL_SECONDS, type ExecutorConfig, type SlurmOptions } from "../cluster/light.ts";
import { EXECUTOR_HINT, EXECUTOR_MAP_TYPE, SLURM_TYPE } from "./config_table.ts";
import type { ConfigValues } from "./config_values.ts";

/** `local`, or `{slurm: {cache, key, …}}`: the executor and its options. */
export function readExecutor(
  values: ConfigValues,
  node: YamlNode | null,
): ExecutorConfig | undefined {
  const { reader, bag } = values;
  const textOf = (n: YamlNode | null, what: string) => values.text(n, what);
  const pathList = (n: YamlNode | null, what: string) => values.list(n, what);
  const abs = (path: string) => values.abs(path);
  const resolved = reader.resolve(node);
  if (resolved && isYamlScalar(resolved)) {
    const kind = textOf(resolved, "executor");
    if (kind === "local") return { kind: "local" };
    bag.error(
      offsetOf(node),
      kind === "slurm" ? "executor slurm needs its options" : `invalid executor "${kind}"`,
      EXECUTOR_HINT,
    );
    return undefined;
  }
  const map = reader.map(resolved, "executor");
  if (!map) return undefined;
  let result: ExecutorConfig | undefined;
  for (const entry of reader.entries(map, "executor", keysOf(EXECUTOR_MAP_TYPE))) {
    if (entry.key === "local") {
      result = { kind: "local" };
      continue;
    }
    const options = reader.map(entry.value, "executor.slurm");
    if (!options) continue;
    const slurm: Partial<SlurmOptions> = { sbatchArgs: [], pollSeconds: DEFAULT_POLL_SECONDS };
    for (const field of reader.entries(options, "executor.slurm", keysOf(SLURM_TYPE))) {
      switch (field.key) {
        case "cache":
        case "key":
        case "node_dir": {
          const path = textOf(field.value, `executor.slurm.${field.key}`);
          if (path === undefined) break;
          if (field.key === "node_dir") slurm.nodeDir = abs(path);
          else slurm[field.key] = abs(path);
          break;
        }
        case "partition":
        case "account": {
          const text = textOf(field.value, `executor.slurm.${field.key}`);
          if (text !== undefined) slurm[field.key] = text;
          break;
        }
        case "sbatch_args":
          slurm.sbatchArgs = pathList(field.value, "executor.slurm.sbatch_args") ?? [];
          break;
        case "poll_seconds": {
          const seconds = values.integer(
            field.value,
            "executor.slurm.poll_seconds",
            fieldsOf(SLURM_TYPE).poll_seconds.type,
          );
          if (seconds !== undefined) slurm.pollSeconds = seconds;
          break;
        }
      }
    }
    const missing = (["cache", "key"] as const).filter((k) => slurm[k] === undefined);
    if (missing.length > 0) {
      bag.error(
        offsetOf(entry.keyNode),
        `executor.slurm needs ${missing.join(" and ")}`,
        requiredHint(fieldsOf(SLURM_TYPE).cache),
      );
      continue;
    }
    result = { kind: "slurm", slurm: slurm as SlurmOptions };
  }
  return result;
}
