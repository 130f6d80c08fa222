/**
 * One package build: from a resolved graph node whose dependencies are built,
 * to a verified commit (SPEC sections 5 and 6). Prepare the build tree, run the
 * script in the sandbox, split the result into outputs and bundles, hash,
 * verify against the manifest, commit, move the refs.
 * @module
 */
import { dirname, join } from "node:path";
import {
  computeInputKey,
  type DependencyInput,
  type GraphNode,
  type ResultPart,
} from "../graph/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import { cachedPath, isPathSegment, sourceFileName } from "../source/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import type { ResultIndex, ResultRecord } from "./results.ts";
import { cacheLayout, DEPENDENCY_ROOT, latestLogPath, markKept } from "./layout.ts";
import {
  FailureError,
  hostArch,
  hostTarget,
  linkOrCopyNew,
  removeTree,
  VerificationError,
} from "../util/mod.ts";
import {
  type BuildLimits,
  fixedEnvironment,
  formatSize,
  type LimitHit,
  limitHitInLog,
  type Sandbox,
  type SandboxMode,
  SandboxPaths,
  type SandboxRequest,
} from "../sandbox/mod.ts";
import { META, provenanceMetadata } from "./provenance.ts";
import { inputKeyRef, refsOfPackage, type Store } from "../store/mod.ts";
import { type OutputPlan, planOutputs, removeDiscarded } from "./outputs.ts";
import {
  describeOriginalMode,
  fillInputsDir,
  ORIGINAL_HOSTNAME,
  ORIGINAL_SHELL_OPTIONS,
  originalChecksum,
  originalEnvironment,
  type OriginalMode,
  originalMode,
  prepareOriginalRoot,
} from "../original/mod.ts";
import { assembleDependencyRoot, HOST_MODE_WRITABLE } from "./dependency_root.ts";

/** What the build of one package produced, or why it was not needed. */
export interface PackageOutcome {
  node: GraphNode;
  status: "built" | "cached" | "unverified";
  inputKey: string;
  outputHash: string;
  record: ResultRecord;
  durationMs: number;
  warnings: string[];
}

export interface BuildServices {
  ws: Workspace;
  store: Store;
  sandbox: () => Promise<Sandbox>;
  index: ResultIndex;
  /** Parallel jobs inside one build (MAKEFLAGS=-jN). */
  jobsPerBuild: number;
  keepFailed: boolean;
  rebuild: boolean;
  /** Streams the build log (for -v). */
  onOutput?: (node: GraphNode, chunk: Uint8Array) => void;
  signal?: AbortSignal;
}

/** The parts of each dependency the build sees, with their results. */
export interface DependencyResult {
  part: ResultPart;
  name: string;
  /** Commit of that part, and the output hash of the dependency's whole result. */
  commit: string;
  outputHash: string;
  /** The ref the part is published under (provenance). */
  ref?: string;
}

export function partKey(part: ResultPart): string {
  return part.kind === "tree" ? "tree" : `${part.kind}/${part.name}`;
}

/** The input key of a node given its dependencies' results. */
export function inputKeyOf(ws: Workspace, manifest: Manifest, deps: DependencyResult[]): string {
  const dependencies: DependencyInput[] = deps.map((d) => ({
    name: d.name,
    part: partKey(d.part),
    outputHash: d.outputHash,
  }));
  return computeInputKey({
    manifest,
    dependencies,
    workspaceEnv: ws.config.env,
    sourceDateEpoch: manifest.build.sourceDateEpoch ?? ws.config.sourceDateEpoch,
    arch: hostArch(),
    target: hostTarget(),
    originalMode: originalModeOf(ws, manifest),
  });
}

/** Looks up a valid cached result: the index record and the repository agree. */
export async function cachedResult(
  services: Pick<BuildServices, "store" | "index">,
  key: string,
): Promise<ResultRecord | undefined> {
  return await Promise.resolve(
    services.index.confirmed(key, (key) => services.store.resolveRefSync(inputKeyRef(key))),
  );
}

/** A finished sandbox run whose result is hashed but not committed. */
export interface BuildRun {
  buildDir: string;
  outDir: string;
  plan: OutputPlan;
  outputHash: string;
  /**
   * What the manifest's expected hash is compared with: the output hash, or with
   * `semantics: original` the original builder's checksum of the result.
   */
  checkedHash: string;
  logPath: string;
  durationMs: number;
  warnings: string[];
}

/** Variations of one round (reproducibility checks); none for a normal build. */
export interface RunVariation {
  cpus?: number;
  jobs?: number;
  disableAslr?: boolean;
  /** Reorders the environment (the values stay). */
  reorderEnv?: (env: Array<[string, string]>) => Array<[string, string]>;
  /** Suffix for the build directory and log name, e.g. "round-2". */
  label?: string;
  /**
   * Replaces the work directory the sandbox sees (e.g. a disorderfs view of it, or
   * a directory on tmpfs); `release` runs after the sandbox ends.
   */
  workDir?: (
    realWork: string,
    buildDir: string,
  ) => Promise<{ path: string; release(): Promise<void> }>;
}

/** Most colliding paths named per group of dependencies. */
const COLLISIONS_SHOWN = 5;
/** Most colliding paths looked for: past this, the warning says the count stopped. */
const COLLISIONS_COUNTED = 100;

/**
 * Paths that several dependencies provide with different contents: the union
 * of their trees keeps the last one's (see dependency_root.ts), and
 * the user learns which files were hidden instead of finding out in a broken
 * build.
 */
async function collisionWarnings(
  store: BuildServices["store"],
  deps: DependencyResult[],
): Promise<string[]> {
  if (deps.length < 2) return [];
  const collisions = await store.collisions(
    deps.map((dep) => dep.commit),
    COLLISIONS_COUNTED,
  );
  // Grouped by the dependencies involved, which the collision lists in order.
  const byDeps = new Map<string, { names: string[]; paths: string[] }>();
  for (const collision of collisions) {
    const names = collision.trees.map((index) => deps[index].name);
    const key = names.join(", ");
    const group = byDeps.get(key) ?? { names, paths: [] };
    group.paths.push(collision.path);
    byDeps.set(key, group);
  }
  return [...byDeps].map(([key, { names, paths }]) => {
    const shown = paths.slice(0, COLLISIONS_SHOWN).join(", ");
    const more = paths.length > COLLISIONS_SHOWN
      ? ` and ${paths.length - COLLISIONS_SHOWN} more`
      : "";
    return `dependencies ${key} provide different files at ${shown}${more}; the build sees ${
      names.at(-1)
    }'s`;
  }).concat(
    collisions.length >= COLLISIONS_COUNTED
      ? [`(only the first ${COLLISIONS_COUNTED} colliding paths counted)`]
      : [],
  );
}

/**
 * Prepares a build tree, runs the script in the sandbox, and hashes the result
 * with discarded files removed. Throws FailureError when the script fails or a
 * listed output path is missing; the build tree is removed then unless keepFailed.
 */
export async function runBuild(
  node: GraphNode,
  deps: DependencyResult[],
  services: BuildServices,
  inputKey: string,
  variation: RunVariation = {},
): Promise<BuildRun> {
  const manifest = node.manifest;
  const { ws, store } = services;
  const original = originalModeOf(ws, manifest);
  const layout = cacheLayout(ws.config.cache);
  await Deno.mkdir(layout.builds, { recursive: true });
  const label = variation.label ? `-${variation.label}` : "";
  const buildDir = await Deno.makeTempDir({
    dir: layout.builds,
    prefix: `${manifest.package.slug}-${inputKey.slice(0, 12)}${label}-`,
  });
  const started = performance.now();
  let keep = false;
  try {
    const dirs = {
      sources: join(buildDir, "sources"),
      work: join(buildDir, "work"),
      out: join(buildDir, "out"),
      root: join(buildDir, DEPENDENCY_ROOT),
      script: join(buildDir, "script"),
      inputs: join(buildDir, "inputs"),
    };
    await Promise.all(
      [dirs.sources, dirs.work, dirs.out].map((d) => Deno.mkdir(d, { recursive: true })),
    );
    await linkSources(manifest, ws.config.cache, dirs.sources);
    await Deno.writeTextFile(dirs.script, manifest.build.script);

    const readOnlyMounts: SandboxRequest["readOnlyMounts"] = [];
    const writableMounts: SandboxRequest["writableMounts"] = [];
    const warnings: string[] = [];
    if (original || deps.length > 0 || manifest.build.sandbox === "hermetic") {
      // Host mode and the original semantics copy (their roots are writable); hermetic
      // mode hardlinks, and the sandbox mounts the root read-only so no build can alter
      // the repository.
      await assembleDependencyRoot(store, deps, dirs.root, {
        hardlink: !original && manifest.build.sandbox === "hermetic",
        writableDir: !original && manifest.build.sandbox === "host"
          ? HOST_MODE_WRITABLE
          : undefined,
      });
      warnings.push(...await collisionWarnings(store, deps));
    }
    if (original) {
      warnings.push(...await prepareOriginalRoot(dirs.root, original));
      if (original === "chroot") {
        warnings.push(
          ...await fillInputsDir(
            dirs.inputs,
            manifest.sources.map((s) => ({
              name: s.name,
              fileName: sourceFileName(s),
              hostPath: cachedPath(ws.config.cache, s.sha256),
            })),
          ),
        );
      }
    } else if (manifest.build.sandbox === "host") {
      await mountHostModeDependencies(
        dirs.root,
        deps.length > 0,
        readOnlyMounts,
        writableMounts,
        buildDir,
        warnings,
      );
    }
    const logPath = join(
      layout.logs,
      manifest.package.slug,
      manifest.package.version,
      manifest.package.flavor.replaceAll("/", "_"),
      `${inputKey}${label}.log`,
    );
    await Deno.mkdir(join(logPath, ".."), { recursive: true });
    await Deno.writeTextFile(logPath, "");
    await pointLatestLog(ws.config.cache, manifest, logPath);

    const jobs = variation.jobs ?? services.jobsPerBuild;
    let env = buildEnvironment(ws, manifest, jobs);
    if (variation.reorderEnv) env = variation.reorderEnv(env);
    const sandbox = await services.sandbox();
    const limits = { ...ws.config.limits, ...manifest.build.limits };
    const work = variation.workDir
      ? await variation.workDir(dirs.work, buildDir)
      : { path: dirs.work, release: async () => {} };
    const mode = sandboxModeOf(manifest, original);
    const result = await sandbox.run({
      mode,
      rootDir: original || mode === "hermetic" ? dirs.root : undefined,
      readOnlyMounts,
      writableMounts,
      sourcesDir: dirs.sources,
      workDir: work.path,
      outDir: dirs.out,
      scriptPath: dirs.script,
      shell: manifest.build.shell ?? await defaultShell(manifest, mode, dirs.root),
      ...(original && {
        writableRoot: true,
        hostname: ORIGINAL_HOSTNAME,
        shellOptions: ORIGINAL_SHELL_OPTIONS,
      }),
      ...(original === "chroot" && { inputsDir: dirs.inputs, consoleDevice: true }),
      env,
      timeoutMs: (manifest.build.timeout ?? ws.config.timeout) * 1000,
      logPath,
      onOutput: services.onOutput
        ? (chunk: Uint8Array) => services.onOutput!(node, chunk)
        : undefined,
      signal: services.signal,
      cpus: variation.cpus,
      disableAslr: variation.disableAslr,
      limits,
    }).finally(() => work.release());
    if (result.code !== 0 || result.timedOut) {
      keep = services.keepFailed;
      const tail = await logTail(logPath);
      // The kernel's count (cgroup) is certain; the log's messages (rlimits) are evidence.
      const counted = result.limitHit;
      const hit = result.timedOut || result.aborted ? undefined : counted ?? limitHitInLog(tail);
      const why = result.timedOut
        ? `timed out after ${manifest.build.timeout ?? ws.config.timeout} s`
        : hit
        ? `the script exited with code ${result.code}; ${
          counted ? "it ran into" : "its log says it ran into"
        } its ${describeLimit(hit, limits)}`
        : `the script exited with code ${result.code}`;
      throw new FailureError(`build of ${describe(manifest)} failed: ${why}`, {
        hint: `${tail}\nfull log: ${logPath}` +
          (hit ? `\nraise limits.${hit} in 2nex.yaml or build.limits.${hit} in the manifest` : "") +
          (keep ? `\nbuild tree kept at ${buildDir}` : ""),
      });
    }
    // The original builder checksummed the output directory as the script left it.
    const originalHash = original ? await originalChecksum(dirs.out) : undefined;
    const plan = await planOutputs(dirs.out, manifest.outputs);
    if (plan.missing.length > 0) {
      keep = services.keepFailed;
      throw new FailureError(
        `build of ${describe(manifest)} lacks listed output paths: ` +
          plan.missing.map((m) => `${m.pattern} (output ${m.output})`).join(", "),
        { hint: `the script must create them under $OUT_DIR; see ${keep ? dirs.out : logPath}` },
      );
    }
    if (plan.unlisted.length > 0) {
      const shown = plan.unlisted.slice(0, 20).map((p) => `/${p}`).join(", ");
      const more = plan.unlisted.length > 20 ? ` and ${plan.unlisted.length - 20} more` : "";
      warnings.push(`${describe(manifest)}: files in no output: ${shown}${more}`);
    }
    for (const u of plan.unmatched) {
      warnings.push(
        `${describe(manifest)}: pattern ${u.pattern} of output ${u.output} matches nothing`,
      );
    }
    await removeDiscarded(dirs.out, plan);
    const outputHash = await store.hashDirectory(dirs.out);
    return {
      buildDir,
      outDir: dirs.out,
      plan,
      outputHash,
      checkedHash: originalHash ?? outputHash,
      logPath,
      durationMs: performance.now() - started,
      warnings,
    };
  } catch (error) {
    if (keep) await markKept(buildDir);
    else await removeTree(buildDir);
    throw error;
  }
}

/**
 * Host mode: the dependencies' top-level directories at their own paths,
 * read-only, except /bootstrap, which is writable (BOOTSTRAP_SYSROOT), and the
 * host's own /usr, /bin, /sbin, /lib, /lib64, which a dependency cannot replace.
 */
async function mountHostModeDependencies(
  depsRoot: string,
  hasDeps: boolean,
  readOnly: SandboxRequest["readOnlyMounts"],
  writable: SandboxRequest["writableMounts"],
  buildDir: string,
  warnings: string[],
): Promise<void> {
  const bootstrap = join(hasDeps ? depsRoot : buildDir, HOST_MODE_WRITABLE);
  await makeOwnDirectory(bootstrap);
  await makeOwnDirectory(join(bootstrap, "tools"));
  writable.push({ hostPath: bootstrap, sandboxPath: HOST_MODE_WRITABLE });
  if (!hasDeps) return;
  for await (const entry of Deno.readDir(depsRoot)) {
    if (`/${entry.name}` === HOST_MODE_WRITABLE) continue;
    if (HOST_DIRS.has(entry.name)) {
      warnings.push(`host mode: a dependency's /${entry.name} is hidden by the host's`);
      continue;
    }
    if (RESERVED_DIRS.has(entry.name)) continue;
    readOnly.push({ hostPath: join(depsRoot, entry.name), sandboxPath: `/${entry.name}` });
  }
}

/**
 * Creates `path` unless something is there already: never through a symlink,
 * since only its last component may be missing and its parent was checked.
 * A parent that is anything but a real directory is an internal error: the
 * dependency root is checked for that before it is laid out.
 */
async function makeOwnDirectory(path: string): Promise<void> {
  const parent = await Deno.lstat(dirname(path));
  if (!parent.isDirectory) {
    throw new FailureError(`internal error: ${dirname(path)} is not a directory`);
  }
  try {
    await Deno.mkdir(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

const HOST_DIRS = new Set(["usr", "bin", "sbin", "lib", "lib64"]);
const RESERVED_DIRS = new Set(["2nex", "tmp", "dev", "proc"]);

/** The complete environment a build of `manifest` gets, with `jobs` in MAKEFLAGS. */
export function buildEnvironment(
  ws: Workspace,
  manifest: Manifest,
  jobs: number,
): Array<[string, string]> {
  const original = originalModeOf(ws, manifest);
  const sources = manifest.sources.map((s, index) => ({
    name: s.name,
    index,
    path: `${SandboxPaths.sources}/${s.name}/${sourceFileName(s)}`,
  }));
  const sourceDateEpoch = manifest.build.sourceDateEpoch ?? ws.config.sourceDateEpoch;
  if (original) {
    return originalEnvironment({
      mode: original,
      sourceDateEpoch,
      jobs,
      sources,
      workDir: SandboxPaths.work,
      outDir: SandboxPaths.out,
      extra: [...Object.entries(ws.config.env), ...Object.entries(manifest.build.env)],
    });
  }
  return fixedEnvironment({
    mode: manifest.build.sandbox,
    sourceDateEpoch,
    sources,
    target: hostTarget(),
    jobs,
    workspaceEnv: Object.entries(ws.config.env),
    buildEnv: Object.entries(manifest.build.env),
  });
}

/** How `show` names the mode a package builds in. */
export function describeBuildMode(ws: Workspace, manifest: Manifest): string {
  const original = originalModeOf(ws, manifest);
  if (original) return `${describeOriginalMode(original)} (semantics: original)`;
  return manifest.build.sandbox === "host"
    ? "host mode: the host's /usr, /bin, /sbin, /lib, /lib64 read-only, a writable /bootstrap"
    : "hermetic mode: / is the union of the dependencies, read-only";
}

/** The original builder's mode of `manifest`, when the workspace has its semantics. */
export function originalModeOf(ws: Workspace, manifest: Manifest): OriginalMode | undefined {
  return ws.config.semantics === "original" ? originalMode(manifest.package.flavor) : undefined;
}

/** The sandbox mode a build runs in: the manifest's, or the original mode's counterpart. */
function sandboxModeOf(manifest: Manifest, original: OriginalMode | undefined): SandboxMode {
  if (original) return original === "bootstrap" ? "host" : "hermetic";
  return manifest.build.sandbox;
}

/** The dependencies' own bash in hermetic mode; the host's in host mode. */
async function defaultShell(manifest: Manifest, mode: SandboxMode, root: string): Promise<string> {
  if (mode === "host") return "/bin/bash";
  for (const candidate of ["/usr/bin/bash", "/bin/bash"]) {
    try {
      await Deno.stat(join(root, candidate));
      return candidate;
    } catch {
      // Not provided by the dependencies.
    }
  }
  throw new FailureError(
    `${describe(manifest)} is hermetic, but no dependency provides /usr/bin/bash or /bin/bash`,
    {
      hint:
        "add a dependency that provides bash, or set `build.shell` to a shell the dependencies provide",
    },
  );
}

/**
 * Hardlinks (or, across file systems, copies) each verified source into
 * `<dir>/<name>/<file name>`, both single path segments, never writing
 * through anything already there (see linkOrCopyNew).
 */
async function linkSources(manifest: Manifest, cacheDir: string, dir: string): Promise<void> {
  for (const source of manifest.sources) {
    if (!isPathSegment(source.name)) {
      // Validation refuses such names; this guards the build tree against any other caller.
      throw new FailureError(`source name ${JSON.stringify(source.name)} is no directory name`);
    }
    const target = join(dir, source.name);
    await Deno.mkdir(target);
    try {
      await linkOrCopyNew(
        cachedPath(cacheDir, source.sha256),
        join(target, sourceFileName(source)),
      );
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new FailureError(
          `source ${source.name} of ${describe(manifest)} is not in the cache`,
          {
            hint: "run `2nex fetch` first",
          },
        );
      }
      throw error;
    }
  }
}

/**
 * Makes `latest.log` of a package the same file as `logPath` (a hard link: the
 * log is only ever appended to), atomically. Not a symlink: Deno lets a process
 * whose write permission is limited to some paths make none.
 */
async function pointLatestLog(
  cacheDir: string,
  manifest: Manifest,
  logPath: string,
): Promise<void> {
  const latest = latestLogPath(
    cacheDir,
    manifest.package.slug,
    manifest.package.version,
    manifest.package.flavor,
  );
  const temp = `${latest}.${crypto.randomUUID()}`;
  await Deno.link(logPath, temp);
  await Deno.rename(temp, latest);
}

/** "memory limit (memory: 512 MiB)" or "process limit (processes: 64)". */
function describeLimit(hit: LimitHit, limits: BuildLimits): string {
  return hit === "memory"
    ? `memory limit (memory: ${formatSize(limits.memory)})`
    : `process limit (processes: ${limits.processes})`;
}

async function logTail(logPath: string, lines = 25): Promise<string> {
  try {
    const file = await Deno.open(logPath);
    const size = (await file.stat()).size;
    const length = Math.min(size, 16 * 1024);
    await file.seek(size - length, Deno.SeekMode.Start);
    const buffer = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    file.close();
    const text = new TextDecoder().decode(buffer.subarray(0, read)).trimEnd().split("\n");
    return `last lines of the log:\n${text.slice(-lines).map((l) => `  | ${l}`).join("\n")}`;
  } catch {
    return "(no log)";
  }
}

export function describe(m: Manifest): string {
  return `${m.package.slug}@${m.package.version} (${m.package.flavor})`;
}

/** Commits a verified run: the tree, each output, each bundle, then all refs at once. */
export async function commitRun(
  node: GraphNode,
  run: BuildRun,
  services: BuildServices,
  inputKey: string,
  deps: DependencyResult[],
): Promise<ResultRecord> {
  const manifest = node.manifest;
  const { store } = services;
  const timestamp = manifest.build.sourceDateEpoch ?? services.ws.config.sourceDateEpoch;
  const metadata = await provenanceMetadata(
    services.ws,
    manifest,
    await Promise.all(deps.map(async (dep) => ({
      name: dep.name,
      ref: dep.ref ?? dep.commit,
      commit: dep.commit,
      contentChecksum: await store.contentChecksum(dep.commit),
    }))),
    inputKey,
    run.outputHash,
  );
  if (run.checkedHash !== run.outputHash) metadata[META.checkedHash] = run.checkedHash;
  const subject = describe(manifest);
  const tree = await store.commit(run.outDir, {
    subject,
    metadata: { ...metadata, [META.contentChecksum]: run.outputHash },
    timestamp,
    consume: true,
  });
  if (tree.contentChecksum !== run.outputHash) {
    throw new FailureError(
      `internal error: committed content ${tree.contentChecksum} differs from the computed hash ${run.outputHash}`,
    );
  }
  const refs = refsOfPackage(manifest.package);
  const parts: Record<string, string> = { tree: tree.commit };
  const newRefs: Record<string, string> = { [refs.tree]: tree.commit };
  for (const [name, files] of Object.entries(run.plan.byOutput)) {
    const output = await store.commitPaths(tree.commit, files, {
      subject: `${subject} output ${name}`,
      metadata,
      timestamp,
      contentChecksumKey: META.contentChecksum,
    });
    parts[`outputs/${name}`] = output.commit;
    newRefs[refs.output(name)] = output.commit;
  }
  for (const [name, members] of Object.entries(manifest.bundles)) {
    const bundle = await store.commitUnion(members.map((m) => parts[`outputs/${m}`]), {
      subject: `${subject} bundle ${name}`,
      metadata,
      timestamp,
      contentChecksumKey: META.contentChecksum,
    });
    parts[`bundles/${name}`] = bundle.commit;
    newRefs[refs.bundle(name)] = bundle.commit;
  }
  newRefs[inputKeyRef(inputKey)] = tree.commit;
  await store.setRefs(newRefs);
  const record: ResultRecord = {
    inputKey,
    outputHash: run.outputHash,
    ...(run.checkedHash !== run.outputHash && { checkedHash: run.checkedHash }),
    commit: tree.commit,
    parts,
    manifest: manifest.path,
    durationMs: Math.round(run.durationMs),
  };
  await services.index.put(record);
  return record;
}

/** Points the package's refs at a cached result (after a revert, say); no process when they already do. */
export async function restoreRefs(
  node: GraphNode,
  record: ResultRecord,
  store: Store,
): Promise<void> {
  const m = node.manifest;
  const refs = refsOfPackage(m.package);
  const wanted: Record<string, string> = {};
  for (const [part, commit] of Object.entries(record.parts)) {
    const ref = part === "tree"
      ? refs.tree
      : part.startsWith("outputs/")
      ? refs.output(part.slice(8))
      : refs.bundle(part.slice(8));
    if (await store.resolveRef(ref) !== commit) wanted[ref] = commit;
  }
  if (Object.keys(wanted).length > 0) await store.setRefs(wanted);
}

/** The error that refuses a result whose hash differs from the manifest's (exit 3), with `detail`. */
export function mismatchError(
  manifest: Manifest,
  expected: string,
  actual: string,
  detail: string,
): VerificationError {
  return new VerificationError(
    `output hash of ${
      describe(manifest)
    } differs from the manifest\n  expected: ${expected}\n  actual:   ${actual}`,
    { hint: detail },
  );
}
