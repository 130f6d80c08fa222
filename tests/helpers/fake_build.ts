/**
 * An in-memory store and a scripted sandbox, for tests of the scheduler and
 * the build stages without ostree or namespaces. A tree is a map from relative
 * file path to content; the fake sandbox reads the build script as a line of
 * directives (see `FakeSandbox`).
 */
import { join } from "node:path";
import type { Store } from "../../lib/store/mod.ts";
import type { CommitResult, EntryType } from "../../lib/store/mod.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "../../lib/sandbox/mod.ts";

type Tree = Map<string, string>;

/** The methods of Store that building, caching and committing use. */
type BuildStoreMethods =
  | "resolveRef"
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

  async commit(dir: string, opts: { consume?: boolean }): Promise<CommitResult> {
    const tree = await readTree(dir);
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
 * `fail` exits 1; `flaky` writes a different file each run; anything else
 * writes the line into `$OUT_DIR/result`. Each run takes `delayMs` and is
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
      const content = line === "flaky" ? `run ${count}` : line;
      await Deno.writeTextFile(join(request.outDir, "result"), content);
      return { ...result, code: 0, limitsDescription: "" };
    } finally {
      this.active--;
    }
  }
}
