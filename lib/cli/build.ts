/** `2nex build PKG…`: build packages and what they depend on. */
import type { Command, CommandContext, OptionValues } from "./command.ts";
import { integerOption } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { buildOrder, type GraphNode } from "../graph/mod.ts";
import { ExitCode, InvalidInputError } from "../util/mod.ts";
import {
  type BuildServices,
  cacheLayout,
  describe,
  fetchPlanSources,
  type NodeReport,
  openWorkspaceState,
  ResultIndex,
  RoundRunner,
  schedule,
  substitutePlan,
  type WorkspaceState,
} from "../build/mod.ts";
import { buildOnSlurm, type ExecutorConfig } from "../cluster/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { selfCommand } from "./self.ts";
import { ProbeMemo, type Sandbox, selectSandbox } from "../sandbox/mod.ts";
import { BuildProgress } from "./progress.ts";
import { parseVariationFlags } from "../repro/mod.ts";

export const buildCommand: Command = {
  name: "build",
  summary: "build packages and, first, whatever they depend on",
  usage: "2nex build PKG… [-j N] [--check | --rounds N] [--vary V,…] [--no-vary V,…] [--rebuild] " +
    "[--keep-failed] [--update-hash] [--offline] [--no-substitute] [--executor E] [--flavor F]",
  help: `Resolves the dependency graph, fetches and verifies sources, builds each
package that is not already built (an unchanged input key is "cached") and that
no substituter of 2nex.yaml provides (a verified, signed result: "substituted") in the
sandbox, checks the result's hash against the manifest and commits it to the
repository. Dependencies are built first; a failure stops only what depends on it.

Options:
  -j, --jobs N       packages built at once (default: the config's jobs)
      --check        rebuild the named packages (already built) under varied conditions and
                     compare with the committed result; commits nothing (like nix-build --check)
      --rounds N     build the named packages N times under varied conditions and compare;
                     commit only when all rounds agree
      --vary V,…     the variations to apply between rounds (default: all)
      --no-vary V,…  variations to switch off
                     (jobs, aslr, env-order, time, disorder; see below)
      --rebuild      ignore the cache for the named packages
      --keep-failed  keep the build tree of a failed or mismatching build and print where
      --update-hash  write the computed output hash into the manifest (comments kept)
      --offline      no network: sources must be in the cache or a mirror directory, and
                     no substituter is asked
      --no-substitute  build what is not cached here; ask no substituter
      --executor E   local, or slurm: one Slurm job per package to build (options in 2nex.yaml)
      --flavor F     narrow package selectors to flavor F

Variations between rounds: jobs (MAKEFLAGS -j1 on one CPU vs all CPUs),
aslr (address-space randomisation off in one round), env-order (environment
reversed or shuffled), time (rounds start at different seconds; the clock is
shifted by a year with libfaketime in host mode), disorder (directory listing
order shuffled with disorderfs, else the work directory on tmpfs). A difference
prints the files that differ and writes a report under the cache's reports/.

Exit codes: 0 built or cached, 1 a build or fetch failed, 2 invalid input,
3 an output hash differs from the manifest, or rounds differ.

Example:
  2nex build hello
  2nex build manifests/packages/m4.yaml -j 2 --update-hash
  2nex build hello --rounds 2
  2nex build hello --check --no-vary=time`,
  options: {
    jobs: { type: "string", short: "j" },
    rebuild: { type: "boolean" },
    "keep-failed": { type: "boolean" },
    "update-hash": { type: "boolean" },
    offline: { type: "boolean" },
    "no-substitute": { type: "boolean" },
    executor: { type: "string" },
    flavor: { type: "string" },
    check: { type: "boolean" },
    rounds: { type: "string" },
    vary: { type: "string" },
    "no-vary": { type: "string" },
  },
  maxPositionals: Infinity,
  minPositionals: 1,
  run: buildPackages,
};

/** `build`'s work, also run by `node-build` on a cluster node. */
export async function buildPackages(
  context: CommandContext,
  positionals: string[],
  options: OptionValues,
): Promise<number> {
  const rounds = integerOption(options, "rounds", 1) ?? 1;
  const jobs = integerOption(options, "jobs", 1);
  if (options.check && options.rounds !== undefined) {
    throw new InvalidInputError("--check and --rounds do not go together", {
      hint:
        "--check compares one rebuild with the committed result; --rounds N compares N fresh builds",
    });
  }
  const variations = parseVariationFlags(
    options.vary as string | undefined,
    options["no-vary"] as string | undefined,
  );
  const { loaded, selected } = await loadSelected(
    context,
    positionals,
    options.flavor as string | undefined,
  );
  const order = buildOrder(loaded.graph, selected);
  const executor = executorOf(loaded.ws, options);
  if (executor.kind === "slurm") {
    for (const local of ["check", "rounds", "update-hash", "keep-failed"]) {
      if (options[local] !== undefined && options[local] !== false) {
        throw new InvalidInputError(`--${local} runs only with the local executor`, {
          hint: "add --executor local",
        });
      }
    }
  }
  const state = await openWorkspaceState(loaded.ws, context.out);
  try {
    const services = buildServices(context, state, loaded.ws, options);
    if (executor.kind === "slurm") {
      const progress = new BuildProgress(context.out, order.length);
      const reports = await buildOnSlurm(order, services, executor.slurm, {
        self: selfCommand(),
        rebuild: options.rebuild ? new Set(selected) : new Set(),
        useSubstituters: !options.offline && !options["no-substitute"],
        onEvent: (event) => progress.onEvent(event),
        warn: (text) => context.out.warn(text),
        info: (text) => context.out.info(text),
      });
      progress.stop();
      return printSummary(context, reports);
    }
    const named = new Set(selected);
    const varied = Boolean(options.check) || rounds > 1;
    const mustBuild = options.rebuild || varied ? named : new Set<GraphNode>();
    const substituted = options.offline || options["no-substitute"]
      ? new Set<GraphNode>()
      : await substitutePlan(order, services, {
        exclude: mustBuild,
        warn: (text) => context.out.warn(text),
        info: (text) => context.out.info(text),
      });
    const fetchFailures = await fetchPlanSources(order, services, {
      offline: Boolean(options.offline),
      rebuild: mustBuild,
      out: context.out,
    });
    const roundRunner = varied
      ? await RoundRunner.create(services, {
        check: Boolean(options.check),
        rounds,
        variations,
        info: (text) => context.out.info(text),
      })
      : undefined;
    const progress = new BuildProgress(context.out, order.length);
    const reports = await schedule(order, services, {
      jobs: jobs ?? loaded.ws.config.jobs,
      fetchFailures,
      rebuild: options.rebuild ? new Set(selected) : new Set(),
      updateHash: options["update-hash"] ? new Set(selected) : new Set(),
      onEvent: (event) => progress.onEvent(event),
      substituted,
      roundsFor: (node) => named.has(node) ? roundRunner?.hookFor(node) : undefined,
    });
    progress.stop();
    return printSummary(context, reports);
  } finally {
    state.release();
  }
}

/** The executor of this run: --executor, else the workspace's. */
function executorOf(ws: Workspace, options: OptionValues): ExecutorConfig {
  const chosen = options.executor as string | undefined;
  if (chosen === undefined) return ws.config.executor;
  if (chosen === "local") return { kind: "local" };
  if (chosen !== "slurm") {
    throw new InvalidInputError(`unknown --executor "${chosen}"`, { hint: "use local or slurm" });
  }
  if (ws.config.executor.kind !== "slurm") {
    throw new InvalidInputError("--executor slurm needs the executor's options in 2nex.yaml", {
      hint:
        "add executor: {slurm: {cache: DIR, key: FILE}} (see the README, Building on a cluster)",
    });
  }
  return ws.config.executor;
}

/** The services of a build run, from the command line and the workspace. */
export function buildServices(
  context: CommandContext,
  state: Pick<WorkspaceState, "store" | "snapshot">,
  ws: BuildServices["ws"],
  options: OptionValues,
): BuildServices {
  let sandbox: Promise<Sandbox> | undefined;
  const verbose = context.out.options.verbose;
  return {
    ws,
    store: state.store,
    index: new ResultIndex(ws.config.cache, state.snapshot),
    sandbox: () =>
      sandbox ??= selectSandbox(ws.config.sandbox, {
        memo: new ProbeMemo(cacheLayout(ws.config.cache).sandboxProbe),
      }),
    jobsPerBuild: Math.max(1, navigator.hardwareConcurrency || 1),
    keepFailed: Boolean(options["keep-failed"]),
    rebuild: Boolean(options.rebuild),
    onOutput: verbose ? (_node, chunk) => Deno.stderr.writeSync(chunk) : undefined,
  };
}

/** Prints warnings, errors and the summary; returns the exit code. */
export function printSummary(context: CommandContext, reports: NodeReport[]): number {
  const out = context.out;
  for (const report of reports) {
    for (const warning of report.warnings) out.warn(warning);
    if (report.error && report.status !== "skipped") {
      out.error(report.error.message, report.error.hint);
    }
  }
  const count = (status: NodeReport["status"]) => reports.filter((r) => r.status === status).length;
  if (out.options.json) {
    out.json({
      packages: reports.map((r) => ({
        slug: r.node.manifest.package.slug,
        version: r.node.manifest.package.version,
        flavor: r.node.manifest.package.flavor,
        manifest: r.node.id,
        status: r.status,
        inputKey: r.inputKey ?? null,
        outputHash: r.outputHash ?? null,
        expectedHash: r.expectedHash ?? null,
        seconds: Math.round(r.durationMs) / 1000,
        error: r.error?.message ?? null,
        hashUpdated: r.hashUpdated ?? false,
        job: r.job ?? null,
      })),
      built: count("built"),
      cached: count("cached"),
      substituted: count("substituted"),
      checked: count("checked"),
      failed: count("failed") + count("mismatch"),
      skipped: count("skipped"),
    });
  } else if (!out.options.quiet) {
    for (const r of reports) {
      const seconds = r.durationMs >= 100 ? ` ${(r.durationMs / 1000).toFixed(1)} s` : "";
      const hash = r.outputHash ? `  ${r.outputHash.slice(0, 16)}…` : "";
      const marker = r.status === "built" || r.status === "cached" || r.status === "substituted"
        ? out.paint("32", r.status)
        : out.paint("31", r.status);
      out.info(
        `  ${marker.padEnd(r.status.length)} ${describe(r.node.manifest)}${seconds}${hash}${
          r.hashUpdated ? "  (hash written to manifest)" : ""
        }`,
      );
    }
    out.info(
      `${count("built")} built, ${count("cached")} cached, ${
        count("substituted") ? `${count("substituted")} substituted, ` : ""
      }${count("checked") ? `${count("checked")} checked, ` : ""}${
        count("failed") + count("mismatch")
      } failed, ${count("skipped")} skipped`,
    );
  }
  // A verification failure stays exit 3 even when it stopped dependents.
  if (count("failed") > 0) return ExitCode.failure;
  if (count("mismatch") > 0) return ExitCode.verification;
  if (count("skipped") > 0) return ExitCode.failure;
  return ExitCode.ok;
}

/** Nodes named by the selectors (used by options that apply only to them). */
export function namedNodes(selected: GraphNode[]): Set<GraphNode> {
  if (selected.length === 0) throw new InvalidInputError("no package named");
  return new Set(selected);
}
