/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`) as text: where
 * the time goes by file (self time), by function (self and inclusive time),
 * so that a benchmark that misses its target can say exactly why.
 *
 * Inclusive time counts a sample once per function on its stack, so recursion
 * does not inflate it.
 *
 * @example
 * ```sh
 * deno run --cpu-prof --cpu-prof-dir=/tmp/prof … main.ts lint
 * deno run --allow-read scripts/bench/cpuprofile-summary.ts /tmp/prof/*.cpuprofile --top 25
 * ```
 * @module
 */
import { parseArgs } from "node:util";

/** The part of the `.cpuprofile` format this summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds per key, largest first. */
export type Table = [key: string, ms: number][];

/** Self time per file, self and inclusive time per function, and the total. */
export interface ProfileSummary {
  totalMs: number;
  selfByFile: Table;
  selfByFunction: Table;
  inclusiveByFunction: Table;
}

/** Shortens a module URL to something readable: the repository path or the npm package. */
function shortUrl(url: string): string {
  if (url === "") return "(native/V8)";
  const npm = url.match(/\/npm\/registry\.[^/]+\/([^/]+\/[^/]+)\/(.*)$/) ??
    url.match(/node_modules\/(.*)$/);
  if (npm) return `npm:${npm[1]}${npm[2] ? `/${npm[2]}` : ""}`;
  const repo = url.match(/\/work\/main\/(.*)$/);
  if (repo) return repo[1];
  return url.replace(/^file:\/\//, "");
}

function sorted(map: Map<string, number>): Table {
  return [...map.entries()].sort((a, b) => b[1] - a[1]);
}

/** Aggregates a profile into the tables of `ProfileSummary`. */
export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const functionKey = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    return `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  };
  const selfByFile = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to it.
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    const id = profile.samples[i];
    const frame = byId.get(id)!.callFrame;
    const file = shortUrl(frame.url);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + us);
    selfByFunction.set(functionKey(id), (selfByFunction.get(functionKey(id)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = functionKey(at);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const toMs = (table: Table): Table => table.map(([k, us]) => [k, us / 1000]);
  return {
    totalMs: totalUs / 1000,
    selfByFile: toMs(sorted(selfByFile)),
    selfByFunction: toMs(sorted(selfByFunction)),
    inclusiveByFunction: toMs(sorted(inclusive)),
  };
}

function formatTable(title: string, table: Table, totalMs: number, top: number): string {
  const rows = table.slice(0, top).map(([key, ms]) =>
    `${ms.toFixed(0).padStart(8)} ms ${(100 * ms / totalMs).toFixed(1).padStart(5)}%  ${key}`
  );
  return `${title}\n${rows.join("\n")}`;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { top: { type: "string", default: "20" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error("usage: cpuprofile-summary.ts FILE.cpuprofile [--top N]");
    Deno.exit(2);
  }
  const top = Number(values.top);
  const summary = summarise(JSON.parse(await Deno.readTextFile(positionals[0])));
  console.log(`total sampled: ${summary.totalMs.toFixed(0)} ms\n`);
  console.log(formatTable("self time by file", summary.selfByFile, summary.totalMs, top));
  console.log();
  console.log(formatTable("self time by function", summary.selfByFunction, summary.totalMs, top));
  console.log();
  console.log(
    formatTable("inclusive time by function", summary.inclusiveByFunction, summary.totalMs, top),
  );
}
