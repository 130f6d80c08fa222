/**
 * An in-memory store, a scripted sandbox and a workspace of packages built
 * with them (`fakeWorkspace`), for tests of the scheduler and the build stages
 * without ostree or namespaces. A tree is a map from relative file path to
 * content; the fake sandbox reads the build script as a line of directives
 * (see `FakeSandbox`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildOrder, resolveGraph } from "../../lib/graph/resolve.ts";
import { discoverManifests, loadManifests } from "../../lib/workspace/discover.ts";
import { defaultConfig } from "../../lib/workspace/config.ts";
import { ResultIndex } from "../../lib/build/results.ts";
import { schedule, type ScheduleOptions } from "../../lib/build/scheduler.ts";
import type { BuildServices } from "../../lib/build/types.ts";
import type { Store } from "../../lib/store/mod.ts";
import type { CommitResult, EntryType } from "../../lib/store/mod.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "../../lib/sandbox/mod.ts";

type Tree = Map<string, string>;

/** The methods of Store that building, caching and committing use. */
type BuildStoreMethods =
  | "resolveRef"
  | "resolveRefSync"
  | "setRefs"
  | "contentChecksum"
  | "hashDirectory"
  | "commit"
  | "commitPaths"
  | "commitUnion"
  | "collisions"
  | "checkout"
  | "entryType";

async function readTree(dir: string, prefix = "", tree: Tree = new Map()): Promise<Tree> {
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) await readTree(join(dir, entry.name), rel, tree);
    else tree.set(rel, await Deno.readTextFile(join(dir, entry.name)));
  }
  return tree;
}

async function digest(tree: Tree): Promise<string> {
  const text = [...tree].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([path, content]) => `${path}\0${content}\0`).join("");
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A store whose commits are maps in memory; refs too. */
export class FakeStore implements Pick<Store, BuildStoreMethods> {
  readonly refs = new Map<string, string>();
  readonly commits = new Map<string, Tree>();
  /** The timestamp of each result committed (`commit`), in order. */
  readonly timestamps: number[] = [];

  /** This fake where a Store is expected: building calls only the methods above. */
  asStore(): Store {
    return this as unknown as Store;
  }

  #add(tree: Tree): Promise<string> {
    const commit = `fake${this.commits.size.toString().padStart(60, "0")}`;
    this.commits.set(commit, tree);
    return Promise.resolve(commit);
  }

  #tree(commit: string): Tree {
    const tree = this.commits.get(commit);
    if (!tree) throw new Error(`fake store: no commit ${commit}`);
    return tree;
  }

  resolveRef(ref: string): Promise<string | undefined> {
    return Promise.resolve(this.refs.get(ref));
  }

  resolveRefSync(ref: string): string | undefined {
    return this.refs.get(ref);
  }

  setRefs(refs: Record<string, string>): Promise<void> {
    for (const [ref, commit] of Object.entries(refs)) this.refs.set(ref, commit);
    return Promise.resolve();
  }

  contentChecksum(commit: string): Promise<string> {
    return digest(this.#tree(commit));
  }

  async hashDirectory(dir: string): Promise<string> {
    return await digest(await readTree(dir));
  }

  async commit(dir: string, opts: { consume?: boolean; timestamp: number }): Promise<CommitResult> {
    const tree = await readTree(dir);
    this.timestamps.push(opts.timestamp);
    if (opts.consume) await Deno.remove(dir, { recursive: true });
    return { commit: await this.#add(tree), contentChecksum: await digest(tree) };
  }

  async commitPaths(commit: string, paths: string[]): Promise<CommitResult> {
    const tree: Tree = new Map(
      [...this.#tree(commit)].filter(([path]) =>
        paths.some((p) => path === p || path.startsWith(`${p}/`))
      ),
    );
    return { commit: await this.#add(tree), contentChecksum: await digest(tree) };
  }

  async commitUnion(commits: string[]): Promise<CommitResult> {
    const tree: Tree = new Map(commits.flatMap((commit) => [...this.#tree(commit)]));
    return { commit: await this.#add(tree), contentChecksum: await digest(tree) };
  }

  collisions(
    commits: string[],
    limit = Infinity,
  ): Promise<Array<{ path: string; trees: number[] }>> {
    const paths = new Set(commits.flatMap((commit) => [...this.#tree(commit).keys()]));
    const found = [...paths].sort().flatMap((path) => {
      const trees = commits.flatMap((commit, index) => this.#tree(commit).has(path) ? [index] : []);
      const contents = new Set(trees.map((index) => this.#tree(commits[index]).get(path)));
      return contents.size > 1 ? [{ path: `/${path}`, trees }] : [];
    });
    return Promise.resolve(found.slice(0, limit));
  }

  async checkout(commit: string, dest: string): Promise<void> {
    await Deno.mkdir(dest);
    for (const [path, content] of this.#tree(commit)) {
      await Deno.mkdir(join(dest, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dest, path), content);
    }
  }

  entryType(commit: string, path: string): Promise<EntryType | undefined> {
    const rel = path.replace(/^\/+/, "");
    const tree = this.#tree(commit);
    if (tree.has(rel)) return Promise.resolve("file");
    const isDir = [...tree.keys()].some((p) => p.startsWith(`${rel}/`));
    return Promise.resolve(isDir ? "directory" : undefined);
  }
}

/**
 * A sandbox that does what the script's first line says instead of running it:
 * `fail` exits 1; `flaky` writes a different file each run; `write P Q …`
 * writes each relative path P, Q… under `$OUT_DIR`; anything else writes the
 * line into `$OUT_DIR/result`. Each run takes `delayMs` and is
 * counted, per script, with the most runs seen at once.
 */
export class FakeSandbox implements Sandbox {
  readonly name = "bwrap";
  readonly runs = new Map<string, number>();
  /** The sandbox paths of each script's mounts (host mode: its dependencies), last run. */
  readonly mounts = new Map<string, string[]>();
  active = 0;
  mostAtOnce = 0;

  constructor(private readonly delayMs = 20) {}

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const line = (await Deno.readTextFile(request.scriptPath)).split("\n")[0];
    const count = (this.runs.get(line) ?? 0) + 1;
    this.runs.set(line, count);
    this.mounts.set(
      line,
      [...request.readOnlyMounts, ...request.writableMounts].map((m) => m.sandboxPath),
    );
    this.active++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.active);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      await Deno.writeTextFile(request.logPath, `${line}\n`, { append: true });
      const result = { timedOut: false, aborted: false, durationMs: this.delayMs };
      if (line === "fail") return { ...result, code: 1, limitsDescription: "" };
      if (line.startsWith("write ")) {
        for (const path of line.split(" ").slice(1)) {
          await Deno.mkdir(join(request.outDir, path, ".."), { recursive: true });
          await Deno.writeTextFile(join(request.outDir, path), path);
        }
      } else {
        const content = line === "flaky" ? `run ${count}` : line;
        await Deno.writeTextFile(join(request.outDir, "result"), content);
      }
      return { ...result, code: 0, limitsDescription: "" };
    } finally {
      this.active--;
    }
  }
}

/** A package of a fake workspace. */
export interface FakePackage {
  script: string;
  deps?: string[];
  checksum?: string;
  /** Output name → patterns (the manifest's `outputs`). */
  outputs?: Record<string, string[]>;
}

/** A workspace of host-mode packages without sources, each built by the fake sandbox. */
export async function fakeWorkspace(
  packages: Record<string, FakePackage>,
  sandbox: FakeSandbox = new FakeSandbox(),
) {
  const root = await Deno.makeTempDir({ prefix: "2nex-scheduler-" });
  await Deno.mkdir(join(root, "manifests"));
  for (const [slug, pkg] of Object.entries(packages)) {
    const deps = pkg.deps?.length
      ? `dependencies:\n${pkg.deps.map((d) => `  - name: ${d}`).join("\n")}\n`
      : "";
    const checksum = pkg.checksum ? `  checksum: ${pkg.checksum}\n` : "";
    const outputs = pkg.outputs ? `outputs: ${JSON.stringify(pkg.outputs)}\n` : "";
    await Deno.writeTextFile(
      join(root, "manifests", `${slug}.yaml`),
      `package:\n  schema: 1\n  slug: ${slug}\n  version: "1"\n${checksum}${deps}${outputs}` +
        `build: { sandbox: host, script: ${JSON.stringify(pkg.script)} }\n`,
    );
  }
  const loaded = await loadManifests(discoverManifests([join(root, "manifests")]));
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === "error"), []);
  const { graph, diagnostics } = resolveGraph(loaded.manifests);
  assert.deepEqual(diagnostics, []);
  const store = new FakeStore();
  const config = defaultConfig(root);
  const services: BuildServices = {
    ws: { root, config },
    store: store.asStore(),
    sandbox: () => Promise.resolve(sandbox),
    index: new ResultIndex(config.cache),
    jobsPerBuild: 1,
    keepFailed: false,
    rebuild: false,
  };
  const order = buildOrder(graph);
  const node = (slug: string) => order.find((n) => n.manifest.package.slug === slug)!;
  return {
    root,
    store,
    sandbox,
    services,
    order,
    node,
    run: (options: Partial<ScheduleOptions> = {}) =>
      schedule(order, services, { jobs: 1, rebuild: new Set(), updateHash: new Set(), ...options }),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}
