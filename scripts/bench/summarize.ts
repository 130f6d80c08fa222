/**
 * Turns hyperfine's `--export-json` into the table docs/benchmarks.md quotes:
 * median, min, max, CPU time (user + sys) and, against a baseline command run
 * side by side, the ratio and the difference of the medians.
 *
 * @example
 * ```sh
 * hyperfine --export-json r.json -n cat "cat …" -n lint "2nex lint"
 * deno run --allow-read scripts/bench/summarize.ts r.json --baseline cat
 * ```
 * @module
 */
import { parseArgs } from "node:util";

/** The fields of one hyperfine result this summary reads (seconds). */
export interface HyperfineResult {
  command: string;
  median: number;
  min: number;
  max: number;
  user: number;
  system: number;
  times: number[];
}

/** One row of the summary, in milliseconds. */
export interface SummaryRow {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  cpuMs: number;
  /** Median divided by the baseline's median. */
  ratio?: number;
  /** Median minus the baseline's median. */
  overMs?: number;
}

/** Summarises `results`; the baseline (by command name) gets no ratio of its own. */
export function summarise(results: HyperfineResult[], baseline?: string): SummaryRow[] {
  const base = results.find((r) => r.command === baseline);
  if (baseline !== undefined && !base) {
    throw new Error(
      `no command named "${baseline}"; names: ${results.map((r) => r.command).join(", ")}`,
    );
  }
  return results.map((r) => {
    const row: SummaryRow = {
      name: r.command,
      runs: r.times.length,
      medianMs: r.median * 1000,
      minMs: r.min * 1000,
      maxMs: r.max * 1000,
      cpuMs: (r.user + r.system) * 1000,
    };
    if (base && r !== base) {
      row.ratio = r.median / base.median;
      row.overMs = (r.median - base.median) * 1000;
    }
    return row;
  });
}

/** A Markdown table of `rows`. */
export function formatRows(rows: SummaryRow[], baseline?: string): string {
  const ms = (value: number) => value.toFixed(value < 10 ? 1 : 0);
  const header = baseline
    ? `| command | runs | median ms | min ms | max ms | CPU ms (mean) | × ${baseline} | − ${baseline} ms |`
    : "| command | runs | median ms | min ms | max ms | CPU ms (mean) |";
  const rule = baseline ? "|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|";
  const lines = rows.map((r) => {
    const cells = [r.name, r.runs, ms(r.medianMs), ms(r.minMs), ms(r.maxMs), ms(r.cpuMs)];
    if (baseline) {
      cells.push(
        r.ratio === undefined ? "—" : r.ratio.toFixed(2),
        r.overMs === undefined ? "—" : ms(r.overMs),
      );
    }
    return `| ${cells.join(" | ")} |`;
  });
  return [header, rule, ...lines].join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { baseline: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error("usage: summarize.ts HYPERFINE.json [--baseline NAME]");
    Deno.exit(2);
  }
  const { results } = JSON.parse(await Deno.readTextFile(positionals[0])) as {
    results: HyperfineResult[];
  };
  console.log(formatRows(summarise(results, values.baseline), values.baseline));
}
