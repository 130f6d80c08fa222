/**
 * The split of a build result (the content of `/2nex/out`) into outputs
 * (SPEC section 4). Pure file operations; the store commits what this plans.
 *
 * Patterns are absolute paths inside the out dir, with `*` (any run of
 * characters within one path segment), `?` (one character) and `**` (a whole
 * segment: zero or more segments). Anything else is literal (there is no
 * escaping and no `[...]` class). `/` alone means the whole result. A pattern
 * that matches a directory takes the directory and everything under it.
 *
 * Rules, and why:
 * - Each file goes to exactly one output: the first output, in manifest order,
 *   with a pattern matching the file or one of its parent directories (like
 *   RPM/melange subpackages, where a file moves into one package). Outputs stay
 *   disjoint, so "which output has this file" always has one answer, and a broad
 *   output can be written after the specific ones (`dev` before `lib: [/usr/lib]`).
 * - `discard` wins over every other output, wherever it is written. Discarded
 *   paths are removed from the result, and so are directories that discarding
 *   leaves empty (they held nothing else); directories that were empty from the
 *   start are kept and belong to outputs like files.
 * - A literal pattern (no `*` or `?`) naming nothing is reported in `missing`
 *   (an error for the caller). A glob matching nothing is reported in `unmatched`
 *   (a warning: globs describe what may be there).
 * - Files no output takes are reported in `unlisted` (a warning) and stay in the
 *   result tree, in no output.
 *
 * "Files" here are the leaves of the result: regular files, symlinks and empty
 * directories, as relative paths ("usr/bin/m4"). Parent directories of a leaf
 * are implied.
 *
 * @example
 * ```ts
 * const outDir = "/tmp/build/out";
 * const plan = await planOutputs(outDir, { bin: ["/usr/bin/*"], discard: ["/usr/share/info/dir"] });
 * await removeDiscarded(outDir, plan);
 * ```
 * @module
 */
import {
  type CompiledGlob,
  compileMatcher,
  type Matcher,
  matchPath,
  type PatternRef,
} from "./output_match.ts";

/** The name of the output whose files are dropped. */
export const DISCARD = "discard";

/** Where each file of a result goes. All paths are relative, "/"-separated. */
export interface OutputPlan {
  /** Every leaf of the result after discarding, sorted. */
  files: string[];
  /** Output name → its leaves, sorted; every non-discard output is present. */
  byOutput: Record<string, string[]>;
  /** Paths to remove (a discarded directory stands for everything under it), sorted. */
  discarded: string[];
  /** Directories left empty by discarding, removed too; deepest first. */
  emptied: string[];
  /** Leaves no output takes, sorted. */
  unlisted: string[];
  /** Literal patterns that name nothing in the result. */
  missing: Array<{ output: string; pattern: string }>;
  /** Glob patterns that match nothing in the result. */
  unmatched: Array<{ output: string; pattern: string }>;
}

interface WalkState {
  matcher: Matcher;
  leavesByOutput: string[][];
  unlisted: string[];
  discarded: string[];
  emptied: string[];
  files: string[];
}

/**
 * Plans the split of `outDir` into `outputs` (name → absolute paths or globs).
 * Reads only directory listings. Throws InvalidInputError for malformed patterns.
 */
export async function planOutputs(
  outDir: string,
  outputs: Record<string, string[]>,
): Promise<OutputPlan> {
  const matcher = compileMatcher(outputs, DISCARD);
  const state: WalkState = {
    matcher,
    leavesByOutput: matcher.outputs.map(() => []),
    unlisted: [],
    discarded: [],
    emptied: [],
    files: [],
  };
  await visit(state, outDir, [], -1, matcher.globs, true);
  const byOutput: Record<string, string[]> = {};
  matcher.outputs.forEach((name, i) => {
    if (i !== matcher.discardIndex) byOutput[name] = state.leavesByOutput[i].sort();
  });
  const report = (literal: boolean) =>
    matcher.patterns
      .filter((p) => p.literal === literal && !p.matched)
      .map(({ output, pattern }) => ({ output, pattern }));
  return {
    files: state.files.sort(),
    byOutput,
    discarded: state.discarded.sort(),
    emptied: state.emptied,
    unlisted: state.unlisted.sort(),
    missing: report(true),
    unmatched: report(false),
  };
}

/**
 * Visits one entry. `inherited` is the best (lowest) output index matched by an
 * ancestor, -1 for none. Returns true when the entry is removed from the result.
 */
async function visit(
  state: WalkState,
  absolute: string,
  segments: string[],
  inherited: number,
  candidates: Array<CompiledGlob & PatternRef>,
  isDirectory: boolean,
): Promise<boolean> {
  const { matcher } = state;
  const relative = segments.join("/");
  let best = inherited;
  let discard = false;
  const take = (ref: PatternRef) => {
    matcher.patterns[ref.id].matched = true;
    if (ref.output === matcher.discardIndex) discard = true;
    else if (best < 0 || ref.output < best) best = ref.output;
  };
  for (const ref of matcher.literals.get(relative) ?? []) take(ref);
  for (const glob of candidates) {
    if (segments.length <= glob.maxDepth && matchPath(glob.segments, segments)) take(glob);
  }
  if (discard) {
    if (segments.length > 0) {
      state.discarded.push(relative);
      return true;
    }
    // Discarding "/" discards everything in it; the out dir itself stays.
    for await (const entry of Deno.readDir(absolute)) state.discarded.push(entry.name);
    return false;
  }
  if (!isDirectory) {
    assign(state, relative, best);
    return false;
  }
  const children: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(absolute)) children.push(entry);
  if (children.length === 0) {
    if (segments.length > 0) assign(state, relative, best);
    return false;
  }
  let removedAll = true;
  await Promise.all(children.map(async (child) => {
    const depth = segments.length;
    const childGlobs = candidates.filter((glob) =>
      glob.maxDepth > depth && (depth >= glob.prefix.length || glob.prefix[depth] === child.name)
    );
    const removed = await visit(
      state,
      `${absolute}/${child.name}`,
      [...segments, child.name],
      best,
      childGlobs,
      child.isDirectory,
    );
    if (!removed) removedAll = false;
  }));
  if (removedAll && segments.length > 0) {
    // Everything in it was discarded: the directory goes too (children first).
    state.emptied.push(relative);
    return true;
  }
  return false;
}

function assign(state: WalkState, relative: string, output: number): void {
  state.files.push(relative);
  if (output < 0) state.unlisted.push(relative);
  else state.leavesByOutput[output].push(relative);
}

/**
 * Removes the discarded paths and the directories discarding left empty from
 * `outDir`, turning it into the result tree that the `tree` ref holds.
 */
export async function removeDiscarded(outDir: string, plan: OutputPlan): Promise<void> {
  for (const path of plan.discarded) {
    await withWritableParent(
      outDir,
      path,
      () => Deno.remove(`${outDir}/${path}`, { recursive: true }),
    );
  }
  for (const dir of plan.emptied) {
    await withWritableParent(outDir, dir, () => Deno.remove(`${outDir}/${dir}`));
  }
}

/** Runs a removal; if the parent directory is read-only, makes it writable for the moment. */
async function withWritableParent(
  outDir: string,
  path: string,
  remove: () => Promise<void>,
): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    const slash = path.lastIndexOf("/");
    const parent = slash < 0 ? outDir : `${outDir}/${path.slice(0, slash)}`;
    const mode = (await Deno.stat(parent)).mode ?? 0o755;
    await Deno.chmod(parent, (mode & 0o7777) | 0o200);
    try {
      await remove();
    } finally {
      await Deno.chmod(parent, mode & 0o7777);
    }
  }
}

/**
 * Builds one directory per output under `destRoot` (`destRoot/NAME`), holding that
 * output's leaves as hardlinks to the files and symlinks of `outDir` (directories
 * created with the modes of their originals), ready to be committed.
 * `destRoot` must be on the same filesystem as `outDir`. Returns name → directory.
 *
 * Uses synchronous file calls on purpose: tens of thousands of tiny operations
 * run several times faster that way than through the async ops.
 */
export function materializeOutputs(
  outDir: string,
  plan: OutputPlan,
  destRoot: string,
): Record<string, string> {
  const made: Record<string, string> = {};
  const rootMode = (Deno.statSync(outDir).mode ?? 0o755) & 0o7777;
  for (const [name, leaves] of Object.entries(plan.byOutput)) {
    const dest = `${destRoot}/${name}`;
    Deno.mkdirSync(dest, { recursive: true });
    // Directory modes are applied last (deepest first) so a read-only directory
    // can still be filled.
    const dirModes = new Map<string, number>([["", rootMode]]);
    const ensureDir = (relative: string): void => {
      if (dirModes.has(relative)) return;
      const slash = relative.lastIndexOf("/");
      ensureDir(slash < 0 ? "" : relative.slice(0, slash));
      Deno.mkdirSync(`${dest}/${relative}`);
      dirModes.set(relative, (Deno.statSync(`${outDir}/${relative}`).mode ?? 0o755) & 0o7777);
    };
    for (const leaf of leaves) {
      const source = `${outDir}/${leaf}`;
      const info = Deno.lstatSync(source);
      const slash = leaf.lastIndexOf("/");
      ensureDir(slash < 0 ? "" : leaf.slice(0, slash));
      if (info.isDirectory) ensureDir(leaf);
      // A symlink too is hardlinked (link(2) does not follow it): Deno lets a process
      // whose write permission is limited to some paths make no symlink.
      else Deno.linkSync(source, `${dest}/${leaf}`);
    }
    const deepestFirst = [...dirModes].sort(([a], [b]) => b.length - a.length);
    for (const [relative, mode] of deepestFirst) {
      Deno.chmodSync(relative ? `${dest}/${relative}` : dest, mode);
    }
    made[name] = dest;
  }
  return made;
}
