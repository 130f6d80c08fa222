/**
 * Reports of a tree comparison: a short summary for the terminal, and a directory
 * holding `report.txt` (for people) and `report.json` (for programs). Where
 * diffoscope is installed, its text report for the first changed files goes into
 * both, so the reader sees not only which file differs but where inside it.
 *
 * @example
 * ```ts
 * import { compareTrees } from "./diff.ts";
 * const diff = await compareTrees("/cache/rounds/1/out", "/cache/rounds/2/out");
 * console.log(summarize(diff));
 * await writeReport(diff, { dir: ".2nex/cache/reports/hello-20250101T000000", labelA: "round 1", labelB: "round 2" });
 * ```
 * @module
 */
import { FailureError, run } from "../util/mod.ts";
import type { Change, Entry, TreeDiff } from "./diff.ts";
import { detectTools } from "./detect.ts";

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Directory to write into; created if missing. */
  dir: string;
  /** What tree `a` is, e.g. "round 1" or a ref. */
  labelA: string;
  /** What tree `b` is. */
  labelB: string;
  /** Lines printed before the lists, e.g. each round's variations. */
  notes?: string[];
  /** Run diffoscope when it is installed. Default true; false behaves as if it were not. */
  diffoscope?: boolean;
  /** Changed files given to diffoscope. Default 5. */
  maxDiffoscopeFiles?: number;
  /** Time limit of one diffoscope run. Default 60 s. */
  diffoscopeTimeoutMs?: number;
  /** Characters of one diffoscope report kept. Default 64 KiB. */
  maxDiffoscopeChars?: number;
  /** Where to look for diffoscope; default: PATH. */
  path?: string;
}

/** Why diffoscope did or did not contribute. */
export type DiffoscopeStatus = "used" | "not-installed" | "disabled" | "no-changed-files";

/** One diffoscope run. */
export interface DiffoscopeResult {
  path: string;
  /** diffoscope's exit code: 1 when it found differences, 0 when it found none, 2 on error. */
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  text: string;
}

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  dir: string;
  textPath: string;
  jsonPath: string;
  diffoscope: DiffoscopeStatus;
}

/** The layout of report.json; `format` names its version. */
export interface ReportJson {
  format: "2nex-diff-report/1";
  labelA: string;
  labelB: string;
  roots: { a: string; b: string };
  counts: { changed: number; added: number; removed: number; identical: number };
  notes: string[];
  changed: Change[];
  added: Entry[];
  removed: Entry[];
  diffoscope: { status: DiffoscopeStatus; results: DiffoscopeResult[] };
}

const DEFAULT_DIFFOSCOPE_FILES = 5;
const DEFAULT_DIFFOSCOPE_TIMEOUT_MS = 60_000;
const DEFAULT_DIFFOSCOPE_CHARS = 64 * 1024;

/** Writes report.txt and report.json into `options.dir`. */
export async function writeReport(diff: TreeDiff, options: ReportOptions): Promise<WrittenReport> {
  const { status, results } = await runDiffoscope(diff, options);
  const json: ReportJson = {
    format: "2nex-diff-report/1",
    labelA: options.labelA,
    labelB: options.labelB,
    roots: diff.roots,
    counts: counts(diff),
    notes: options.notes ?? [],
    changed: diff.changed,
    added: diff.added,
    removed: diff.removed,
    diffoscope: { status, results },
  };
  const textPath = `${options.dir}/report.txt`;
  const jsonPath = `${options.dir}/report.json`;
  try {
    await Deno.mkdir(options.dir, { recursive: true });
    await Deno.writeTextFile(textPath, renderText(json));
    await Deno.writeTextFile(jsonPath, JSON.stringify(json, null, 2) + "\n");
  } catch (error) {
    throw new FailureError(
      `cannot write the report in "${options.dir}": ${(error as Error).message}`,
    );
  }
  return { dir: options.dir, textPath, jsonPath, diffoscope: status };
}

/** Options of {@link summarize}. */
export interface SummaryOptions {
  /** Paths listed at most; the rest are counted. Default 20. */
  max?: number;
}

/**
 * A few lines for the terminal: the counts, then changed, added and removed paths
 * with the facts that tell them apart, e.g.
 * `changed usr/bin/x: size 1234 → 1240, first difference at byte 612`.
 */
export function summarize(diff: TreeDiff, options: SummaryOptions = {}): string {
  const max = options.max ?? 20;
  const c = counts(diff);
  const lines = [
    `${c.changed} changed, ${c.added} added, ${c.removed} removed, ${c.identical} identical`,
  ];
  const items = [
    ...diff.changed.map((change) => `changed ${change.path}: ${describeChange(change)}`),
    ...diff.added.map((entry) => `added ${entry.path} (${describeEntry(entry)})`),
    ...diff.removed.map((entry) => `removed ${entry.path} (${describeEntry(entry)})`),
  ];
  lines.push(...items.slice(0, max));
  if (items.length > max) lines.push(`… and ${items.length - max} more`);
  return lines.join("\n");
}

/** The facts of a change on one line, e.g. `mode 0644 → 0755, size 10 → 12`. */
export function describeChange(change: Change): string {
  const { a, b } = change;
  const facts: string[] = [];
  if (change.differs.includes("type")) facts.push(`type ${a.type} → ${b.type}`);
  if (change.differs.includes("mode")) facts.push(`mode ${octal(a.mode)} → ${octal(b.mode)}`);
  if (change.differs.includes("size")) facts.push(`size ${a.size} → ${b.size}`);
  else if (change.differs.includes("content")) facts.push(`content differs (same size ${a.size})`);
  if (change.firstDifference !== undefined) {
    facts.push(`first difference at byte ${change.firstDifference}`);
  }
  if (change.differs.includes("target")) {
    facts.push(`symlink target ${JSON.stringify(a.target)} → ${JSON.stringify(b.target)}`);
  }
  return facts.join(", ");
}

/** An entry's kind and size, e.g. `file, 12 bytes` or `symlink → ../lib/x`. */
export function describeEntry(entry: Entry): string {
  switch (entry.type) {
    case "file":
      return `file, ${entry.size} ${entry.size === 1 ? "byte" : "bytes"}`;
    case "symlink":
      return `symlink → ${entry.target}`;
    default:
      return entry.type;
  }
}

function counts(diff: TreeDiff) {
  return {
    changed: diff.changed.length,
    added: diff.added.length,
    removed: diff.removed.length,
    identical: diff.identical,
  };
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function renderText(report: ReportJson): string {
  const c = report.counts;
  const out: string[] = [
    "2nex diff report",
    "",
    `A: ${report.labelA}`,
    `   ${report.roots.a}`,
    `B: ${report.labelB}`,
    `   ${report.roots.b}`,
    "",
    `${c.changed} changed, ${c.added} added, ${c.removed} removed, ${c.identical} identical`,
  ];
  if (report.notes.length > 0) {
    out.push("", "notes:", ...report.notes.map((note) => `  ${note}`));
  }
  out.push("", `changed (${c.changed}):`);
  for (const change of report.changed) out.push(...renderChange(change));
  out.push("", `added in B (${c.added}):`);
  for (const entry of report.added) out.push(...renderEntry(entry));
  out.push("", `removed in B (${c.removed}):`);
  for (const entry of report.removed) out.push(...renderEntry(entry));
  out.push("", "diffoscope: " + diffoscopeLine(report.diffoscope.status));
  for (const result of report.diffoscope.results) {
    const how = result.timedOut
      ? "timed out"
      : result.exitCode === 2
      ? "failed"
      : result.exitCode === 0
      ? "found no difference"
      : "found differences";
    out.push("", `=== diffoscope ${result.path} (${how}) ===`, result.text.trimEnd());
    if (result.truncated) out.push("[… truncated]");
  }
  return out.join("\n") + "\n";
}

function diffoscopeLine(status: DiffoscopeStatus): string {
  switch (status) {
    case "used":
      return "details of the first changed files follow";
    case "not-installed":
      return "not installed (on Debian: apt-get install diffoscope-minimal) — " +
        "it would show where inside each file the difference lies";
    case "disabled":
      return "not run (switched off)";
    case "no-changed-files":
      return "not run (no regular file changed in content)";
  }
}

function renderChange(change: Change): string[] {
  const { a, b } = change;
  const pair = (x: string | number, y: string | number) => x === y ? `${x}` : `${x} → ${y}`;
  const lines = [`  ${change.path}`, `    type:   ${pair(a.type, b.type)}`];
  lines.push(`    mode:   ${pair(octal(a.mode), octal(b.mode))}`);
  if (a.type === "file" || b.type === "file") lines.push(`    size:   ${pair(a.size, b.size)}`);
  if (a.sha256 !== undefined || b.sha256 !== undefined) {
    lines.push(`    sha256: ${pair(a.sha256 ?? "-", b.sha256 ?? "-")}`);
  }
  if (a.target !== undefined || b.target !== undefined) {
    lines.push(`    target: ${pair(a.target ?? "-", b.target ?? "-")}`);
  }
  if (change.firstDifference !== undefined) {
    lines.push(`    first difference at byte ${change.firstDifference}`);
  }
  return lines;
}

function renderEntry(entry: Entry): string[] {
  const lines = [`  ${entry.path} (${describeEntry(entry)})`, `    mode:   ${octal(entry.mode)}`];
  if (entry.sha256 !== undefined) lines.push(`    sha256: ${entry.sha256}`);
  return lines;
}

/** Files both trees hold as regular files with different content, in report order. */
function contentChanges(diff: TreeDiff): Change[] {
  return diff.changed.filter((change) =>
    change.differs.includes("content") && change.a.type === "file" && change.b.type === "file"
  );
}

async function runDiffoscope(
  diff: TreeDiff,
  options: ReportOptions,
): Promise<{ status: DiffoscopeStatus; results: DiffoscopeResult[] }> {
  if (options.diffoscope === false) return { status: "disabled", results: [] };
  const candidates = contentChanges(diff).slice(
    0,
    options.maxDiffoscopeFiles ?? DEFAULT_DIFFOSCOPE_FILES,
  );
  const program = (await detectTools(options.path)).diffoscope;
  if (!program) return { status: "not-installed", results: [] };
  if (candidates.length === 0) return { status: "no-changed-files", results: [] };
  const maxChars = options.maxDiffoscopeChars ?? DEFAULT_DIFFOSCOPE_CHARS;
  const results: DiffoscopeResult[] = [];
  // One at a time: diffoscope runs many tools per file and the build host is busy enough.
  for (const change of candidates) {
    const result = await run([
      program,
      "--no-progress",
      "--max-text-report-size",
      String(maxChars * 2),
      "--text",
      "-",
      `${diff.roots.a}/${change.path}`,
      `${diff.roots.b}/${change.path}`,
    ], { check: false, timeoutMs: options.diffoscopeTimeoutMs ?? DEFAULT_DIFFOSCOPE_TIMEOUT_MS });
    const text = result.code === 2 && result.stdout === "" ? result.stderr : result.stdout;
    results.push({
      path: change.path,
      exitCode: result.code,
      timedOut: result.timedOut,
      truncated: text.length > maxChars,
      text: text.slice(0, maxChars),
    });
  }
  return { status: "used", results };
}
