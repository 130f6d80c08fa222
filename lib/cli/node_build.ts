/**
 * `2nex node-build MANIFEST`: what one Slurm job runs on its node. It builds
 * the package in a repository and cache of its own on the node, taking the
 * dependencies from the executor's signed cache (checked like any substitute),
 * and publishes the verified result there, signed, for the dependents' jobs and
 * for the 2nex that submitted the job.
 * @module
 */
import { join } from "node:path";
import type { Command } from "./command.ts";
import { buildPackages } from "./build.ts";
import { loadSelected } from "./packages.ts";
import { publishableRefs } from "./share.ts";
import { openWorkspaceState } from "../build/mod.ts";
import { publishRefs, readSecretKeyFile } from "../store/mod.ts";
import { ExitCode, InvalidInputError, removeTree } from "../util/mod.ts";

/** The lock file in the cache that serialises the jobs' publishing (summary and refs). */
export const PUBLISH_LOCK = ".2nex-publish.lock";

export const nodeBuildCommand: Command = {
  name: "node-build",
  summary: "build one package on a cluster node and publish it to the executor's cache",
  usage: "2nex node-build MANIFEST",
  help: `Run by the Slurm jobs that \`2nex build --executor slurm\` submits, not by hand:
builds the package of MANIFEST in a repository of its own under the node's
temporary directory (or executor.slurm.node_dir), with its dependencies taken from
executor.slurm.cache (signed by executor.slurm.key, verified), then publishes the
result to that cache, signed with the same key. Exit codes as for build.

Example:
  2nex -C /shared/distro node-build manifests/packages/m4.yaml`,
  options: {},
  minPositionals: 1,
  maxPositionals: 1,
  async run(context, positionals) {
    const ws = await context.workspace();
    if (ws.config.executor.kind !== "slurm") {
      throw new InvalidInputError(
        "node-build runs in the jobs of a workspace whose executor is slurm",
        {
          hint: "set executor: {slurm: {cache: DIR, key: FILE}} in 2nex.yaml",
        },
      );
    }
    const slurm = ws.config.executor.slurm;
    const key = await readSecretKeyFile(slurm.key);
    if (slurm.nodeDir) await Deno.mkdir(slurm.nodeDir, { recursive: true });
    const job = Deno.env.get("SLURM_JOB_ID") ?? String(Deno.pid);
    const jobDir = await Deno.makeTempDir({ dir: slurm.nodeDir, prefix: `2nex-job-${job}-` });
    try {
      // This job's own repository and caches; the workspace is only read.
      ws.config.repo = join(jobDir, "repo");
      ws.config.cache = join(jobDir, "cache");
      ws.config.substituters = [
        ...ws.config.substituters,
        { url: slurm.cache, keys: [key.publicKey], timeout: 60 },
      ];
      ws.config.executor = { kind: "local" };
      const code = await buildPackages(context, positionals, {});
      if (code !== ExitCode.ok) return code;

      const { selected } = await loadSelected(context, positionals);
      const state = await openWorkspaceState(ws, context.out);
      try {
        const refs = await publishableRefs(state.store, selected);
        await Deno.mkdir(slurm.cache, { recursive: true });
        const lock = await Deno.open(join(slurm.cache, PUBLISH_LOCK), {
          create: true,
          write: true,
        });
        try {
          await lock.lock(true);
          const result = await publishRefs(state.store, slurm.cache, refs, key);
          context.out.info(`published ${result.refs} refs to ${slurm.cache}`);
        } finally {
          lock.close();
        }
      } finally {
        state.release();
      }
      return ExitCode.ok;
    } finally {
      await removeTree(jobDir);
    }
  },
};
