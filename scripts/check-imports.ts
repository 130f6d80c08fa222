/**
 * The folder rule of lib/, run by `deno task check`: each folder `lib/A/` shows
 * other code its surface through `lib/A/mod.ts`, so a folder can reorganise its
 * files without touching its users.
 *
 * - A file in `lib/A/` imports what it likes from `lib/A/`, and from another
 *   folder `lib/B/` only `lib/B/mod.ts`. `main.ts` and `scripts/` are users like
 *   any other folder and go through `mod.ts` too.
 * - A file in `lib/A/` does not import `lib/A/mod.ts`: that would make a loop
 *   (the mod.ts re-exports the file that imports it).
 * - At run time the folders of lib/ import each other without a loop. With
 *   the rule above this keeps every mod.ts out of a run-time import cycle,
 *   whatever it re-exports. Type-only imports may go both ways: the compiler
 *   reads types in any order and they are gone when the code runs.
 * - A folder may also show a `light.ts`: a narrower surface, for code that
 *   needs a little of the folder without loading all of it (a mod.ts loads
 *   its whole folder and, through the folders it imports, often most of 2nex).
 * - The launcher stays light: what `main.ts` loads when it starts (static
 *   imports; a dynamic import loads only when it runs) reaches no mod.ts but
 *   lib/cli's, which it goes through, and no module outside the tree beyond
 *   {@link LIGHT_EXTERNALS}. The launcher only computes the permissions of the
 *   command's worker (lib/cli/launch.ts), and the worker loads the program
 *   again: whatever the launcher loads, every command pays for twice.
 *
 * `tests/` and `scripts/bench/` are outside the rule: a unit test or a benchmark
 * of a module is written against the module itself, often one that is internal
 * to its folder. Files directly in
 * `lib/` (such as `lib/version.ts`) belong to no folder and are free for all.
 *
 * The imports are read by Deno's own parser (`deno info --json`), so comments,
 * strings, `import type`, re-exports and literal dynamic imports are read as
 * the compiler reads them.
 *
 * @example
 * ```ts
 * import { folderViolations } from "./check-imports.ts";
 * const found = folderViolations([
 *   { from: "lib/build/package.ts", to: "lib/store/repo.ts", line: 3 },
 * ]);
 * // found[0].message === "imports lib/store/repo.ts past lib/store/mod.ts"
 * ```
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** One import statement between two files of the tree, paths relative to its root. */
export interface ImportEdge {
  from: string;
  to: string;
  /** 1-based line of the import in `from`. */
  line: number;
  /** `import type` or `export type`: gone at run time, so it cannot take part in a load-order loop. */
  typeOnly?: boolean;
  /** `import("…")`: loaded when it runs, not when the importer loads. */
  dynamic?: boolean;
}

/** A broken rule, reported as `file:line: message`. */
export interface Violation {
  file: string;
  line: number;
  message: string;
}

/** The files the check reads. */
export const CHECKED_ROOTS = ["lib", "scripts", "main.ts"] as const;

/** Importers that may reach inside a folder (see above). */
export const WHITE_BOX = ["tests/", "scripts/bench/"] as const;

const SURFACE = "mod.ts";
const LIGHT_SURFACE = "light.ts";

/**
 * The modules outside the tree that the launcher may load. Deno loads its Node
 * compatibility layer piece by piece on first import: `node:crypto` costs a
 * process ~14 ms, `node:fs` ~8 ms more, an npm package tens.
 */
export const LIGHT_EXTERNALS = ["node:path", "node:url", "node:util"] as const;

/** The launcher's way in: main.ts imports it, and it is allowed in a light closure. */
const LAUNCHER_SURFACE = "lib/cli/mod.ts";

/** The folder of lib/ that `path` belongs to, or undefined outside any. */
export function libFolder(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "lib" && parts.length > 2 ? parts[1] : undefined;
}

function isSurface(path: string): boolean {
  return path.split("/").length === 3 &&
    (path.endsWith(`/${SURFACE}`) || path.endsWith(`/${LIGHT_SURFACE}`));
}

/** The launcher's entry point, whose start must stay light. */
const LAUNCHER_ENTRY = "main.ts";

/**
 * What main.ts loads at start that it must not: a mod.ts (other than
 * lib/cli's) or a module outside the tree that is not one of
 * {@link LIGHT_EXTERNALS}. One violation per module, at the import that first
 * reaches it.
 */
export function launcherViolations(edges: readonly ImportEdge[]): Violation[] {
  const loads = new Map<string, ImportEdge[]>();
  for (const edge of edges) {
    if (edge.typeOnly || edge.dynamic) continue;
    const out = loads.get(edge.from) ?? [];
    out.push(edge);
    loads.set(edge.from, out);
  }
  const found: Violation[] = [];
  const seen = new Set<string>([LAUNCHER_ENTRY]);
  const queue = [LAUNCHER_ENTRY];
  while (queue.length > 0) {
    for (const edge of loads.get(queue.shift()!) ?? []) {
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      const external = !edge.to.startsWith("lib/") && edge.to.includes(":");
      const heavy = external
        ? !(LIGHT_EXTERNALS as readonly string[]).includes(edge.to)
        : edge.to.endsWith(`/${SURFACE}`) && edge.to !== LAUNCHER_SURFACE;
      if (heavy) {
        found.push({
          file: edge.from,
          line: edge.line,
          message: `${LAUNCHER_ENTRY} loads ${edge.to} at start (through this import): ` +
            `the launcher's modules must stay light`,
        });
      } else if (!external) queue.push(edge.to);
    }
  }
  return found;
}

/** Imports that reach past another folder's mod.ts, or into the importer's own mod.ts. */
export function folderViolations(edges: readonly ImportEdge[]): Violation[] {
  const found: Violation[] = [];
  for (const edge of edges) {
    if (WHITE_BOX.some((prefix) => edge.from.startsWith(prefix))) continue;
    const target = libFolder(edge.to);
    if (target === undefined) continue;
    const source = libFolder(edge.from);
    if (source === target) {
      if (isSurface(edge.to) && !isSurface(edge.from)) {
        found.push({
          file: edge.from,
          line: edge.line,
          message: `imports its own folder's ${edge.to} (import the module itself: the surface ` +
            `re-exports the folder, so the import makes a loop)`,
        });
      }
    } else if (!isSurface(edge.to)) {
      found.push({
        file: edge.from,
        line: edge.line,
        message: `imports ${edge.to} past lib/${target}/${SURFACE}`,
      });
    }
  }
  return found;
}

/**
 * Run-time loops between the folders of lib/: one violation per loop, at an
 * import that closes it, naming the way back.
 */
export function folderCycles(edges: readonly ImportEdge[]): Violation[] {
  // The first import seen from each folder to each other folder stands for the pair.
  const witness = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    if (edge.typeOnly) continue;
    const from = libFolder(edge.from);
    const to = libFolder(edge.to);
    if (from === undefined || to === undefined || from === to) continue;
    const out = witness.get(from) ?? new Map<string, ImportEdge>();
    if (!out.has(to)) out.set(to, edge);
    witness.set(from, out);
  }
  const found: Violation[] = [];
  const reported = new Set<string>();
  for (const [from, out] of [...witness].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [to, edge] of [...out].sort(([a], [b]) => a.localeCompare(b))) {
      const back = folderPath(witness, to, from);
      if (back === undefined) continue;
      const loop = [from, ...back];
      const key = canonicalLoop(loop.slice(0, -1));
      if (reported.has(key)) continue;
      reported.add(key);
      found.push({
        file: edge.from,
        line: edge.line,
        message: `imports ${edge.to}, and lib/${to} leads back to lib/${from}: ` +
          loop.map((folder) => `lib/${folder}`).join(" -> "),
      });
    }
  }
  return found;
}

/** The shortest chain of folders from `start` to `goal`, both included. */
function folderPath(
  witness: Map<string, Map<string, ImportEdge>>,
  start: string,
  goal: string,
): string[] | undefined {
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    if (folder === goal) {
      const path = [folder];
      while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
      return path;
    }
    for (const next of [...(witness.get(folder)?.keys() ?? [])].sort()) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, folder);
      queue.push(next);
    }
  }
  return undefined;
}

/** The same loop, whichever folder it starts at, gives the same key. */
function canonicalLoop(loop: string[]): string {
  const start = loop.indexOf([...loop].sort()[0]);
  return [...loop.slice(start), ...loop.slice(0, start)].join(" ");
}

/** Every TypeScript file under the checked roots, relative to `root`, `/`-separated. */
export async function checkedFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  async function walk(path: string): Promise<void> {
    const info = await Deno.lstat(join(root, path)).catch(() => undefined);
    if (info?.isFile && path.endsWith(".ts")) files.push(path);
    if (!info?.isDirectory) return;
    for await (const entry of Deno.readDir(join(root, path))) await walk(`${path}/${entry.name}`);
  }
  for (const start of CHECKED_ROOTS) await walk(start);
  return files.sort();
}

interface DenoInfoSpan {
  specifier?: string;
  span?: { start: { line: number } };
}
interface DenoInfoModule {
  specifier: string;
  /** Why the module could not be read (not found, does not parse). */
  error?: string;
  local?: string;
  dependencies?: { code?: DenoInfoSpan; type?: DenoInfoSpan; isDynamic?: boolean }[];
}

/** `node:fs` as written; an npm package as `npm:name` (deno info gives `npm:/name@version`). */
function externalName(specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier;
  const npm = /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)/.exec(specifier);
  return npm ? `npm:${npm[1]}` : undefined;
}

/** The imports between files of `root`, read with `deno info --json`. */
export async function collectImports(
  root: string,
  files: readonly string[],
): Promise<ImportEdge[]> {
  const absoluteRoot = resolve(root);
  // deno info takes one root module, so one temporary module imports them all.
  const entry = await Deno.makeTempFile({ prefix: "2nex-imports-", suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      files.map((file) =>
        `import ${JSON.stringify(pathToFileURL(join(absoluteRoot, file)).href)};\n`
      )
        .join(""),
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: absoluteRoot,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(stderr).trim()}`);
    }
    const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: DenoInfoModule[] };
    return edgesOf(absoluteRoot, info.modules);
  } finally {
    await Deno.remove(entry);
  }
}

function edgesOf(root: string, modules: readonly DenoInfoModule[]): ImportEdge[] {
  const inTree = (path: string): string | undefined => {
    const rel = relative(root, path);
    return rel.startsWith("..") ? undefined : rel.split(sep).join("/");
  };
  const edges: ImportEdge[] = [];
  for (const module of modules) {
    // A module that cannot be read would hide its imports from the rule.
    if (module.error !== undefined && module.specifier.startsWith("file:")) {
      const path = fileURLToPath(module.specifier);
      if (inTree(path) !== undefined) throw new Error(`cannot read ${path}: ${module.error}`);
    }
    const from = module.local === undefined ? undefined : inTree(module.local);
    if (from === undefined) continue;
    for (const dependency of module.dependencies ?? []) {
      const lines = new Set<number>();
      const dynamic = dependency.isDynamic === true;
      for (const [use, typeOnly] of [[dependency.code, false], [dependency.type, true]] as const) {
        if (use?.specifier === undefined || use.span === undefined) continue;
        const to = use.specifier.startsWith("file:")
          ? inTree(fileURLToPath(use.specifier))
          : externalName(use.specifier);
        if (to === undefined || lines.has(use.span.start.line)) continue;
        lines.add(use.span.start.line);
        edges.push({ from, to, line: use.span.start.line + 1, typeOnly, dynamic });
      }
    }
  }
  return edges;
}

/** All violations in the tree at `root`, in file and line order. */
export async function checkImports(root: string): Promise<Violation[]> {
  const edges = await collectImports(root, await checkedFiles(root));
  return [...folderViolations(edges), ...folderCycles(edges), ...launcherViolations(edges)].sort((
    a,
    b,
  ) => a.file.localeCompare(b.file) || a.line - b.line);
}

export function formatViolation(violation: Violation): string {
  return `${violation.file}:${violation.line}: ${violation.message}`;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const violations = await checkImports(root).catch((error: unknown) => {
    // A tree that cannot be read is not a violation: say why, without a stack trace.
    console.error(`check-imports: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(2);
  });
  for (const violation of violations) console.error(formatViolation(violation));
  if (violations.length > 0) {
    console.error(
      `${violations.length} import(s) break the folder rule (see scripts/check-imports.ts)`,
    );
    Deno.exit(1);
  }
}
