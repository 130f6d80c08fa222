/** `2nex build PKG…`: build packages and what they depend on. */
import type { Command, CommandContext, OptionValues } from "./command.ts";
import { integerOption } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { buildOrder, type GraphNode } from "../graph/resolve.ts";
import { ExitCode, InvalidInputError } from "../util/errors.ts";
import type { Store } from "../store/mod.ts";
import { ResultIndex } from "../build/results.ts";
import { type BuildServices, describe } from "../build/package.ts";
import { type NodeReport, schedule } from "../build/scheduler.ts";
import { openWorkspaceState } from "../build/state.ts";
import { fetchPlanSources } from "../build/fetch_plan.ts";
import { selectSandbox } from "../sandbox/mod.ts";
import type { Sandbox } from "../sandbox/mod.ts";
import { BuildProgress } from "./progress.ts";

export const buildCommand: Command = {
  name: "build",
  summary: "build packages and, first, whatever they depend on",
  usage:
    "2nex build PKG… [-j N] [--rebuild] [--keep-failed] [--update-hash] [--offline] [--flavor F]",
  help: `Resolves the dependency graph, fetches and verifies sources, builds each
package that is not already built (an unchanged input key is "cached") in the
sandbox, checks the result's hash against the manifest and commits it to the
repository. Dependencies are built first; a failure stops only what depends on it.

Options:
  -j, --jobs N       packages built at once (default: the config's jobs)
      --rebuild      ignore the cache for the named packages
      --keep-failed  keep the build tree of a failed or mismatching build and print where
      --update-hash  write the computed output hash into the manifest (comments kept)
      --offline      no network: sources must be in the cache or a mirror directory
      --flavor F     narrow package selectors to flavor F

Exit codes: 0 built or cached, 1 a build or fetch failed, 2 invalid input,
3 an output hash differs from the manifest.

Example:
  2nex build hello
  2nex build manifests/packages/m4.yaml -j 2 --update-hash`,
  options: {
    jobs: { type: "string", short: "j" },
    rebuild: { type: "boolean" },
    "keep-failed": { type: "boolean" },
    "update-hash": { type: "boolean" },
    offline: { type: "boolean" },
    flavor: { type: "string" },
  },
  maxPositionals: Infinity,
  minPositionals: 1,
  async run(context, positionals, options) {
    const { loaded, selected } = await loadSelected(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    const order = buildOrder(loaded.graph, selected);
    const state = await openWorkspaceState(loaded.ws, context.out);
    try {
      const services = buildServices(context, state.store, loaded.ws, options);
      await fetchPlanSources(order, services, {
        offline: Boolean(options.offline),
        rebuild: options.rebuild ? new Set(selected) : new Set(),
        out: context.out,
      });
      const progress = new BuildProgress(context.out, order.length);
      const reports = await schedule(order, services, {
        jobs: integerOption(options, "jobs", 1) ?? loaded.ws.config.jobs,
        rebuild: options.rebuild ? new Set(selected) : new Set(),
        updateHash: options["update-hash"] ? new Set(selected) : new Set(),
        onEvent: (event) => progress.onEvent(event),
      });
      progress.stop();
      return printSummary(context, reports);
    } finally {
      state.release();
    }
  },
};

/** The services of a build run, from the command line and the workspace. */
export function buildServices(
  context: CommandContext,
  store: Store,
  ws: BuildServices["ws"],
  options: OptionValues,
): BuildServices {
  let sandbox: Promise<Sandbox> | undefined;
  const verbose = context.out.options.verbose;
  return {
    ws,
    store,
    index: new ResultIndex(ws.config.cache),
    sandbox: () => sandbox ??= selectSandbox(ws.config.sandbox),
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
      })),
      built: count("built"),
      cached: count("cached"),
      failed: count("failed") + count("mismatch"),
      skipped: count("skipped"),
    });
  } else if (!out.options.quiet) {
    for (const r of reports) {
      const seconds = r.durationMs >= 100 ? ` ${(r.durationMs / 1000).toFixed(1)} s` : "";
      const hash = r.outputHash ? `  ${r.outputHash.slice(0, 16)}…` : "";
      const marker = r.status === "built" || r.status === "cached"
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
        count("failed") + count("mismatch")
      } failed, ${count("skipped")} skipped`,
    );
  }
  if (count("failed") > 0 || count("skipped") > 0) return ExitCode.failure;
  if (count("mismatch") > 0) return ExitCode.verification;
  return ExitCode.ok;
}

/** Nodes named by the selectors (used by options that apply only to them). */
export function namedNodes(selected: GraphNode[]): Set<GraphNode> {
  if (selected.length === 0) throw new InvalidInputError("no package named");
  return new Set(selected);
}
