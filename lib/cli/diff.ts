/** `2nex diff A B`: compare two build results file by file. */
import { join, resolve } from "node:path";
import type { Command, CommandContext } from "./command.ts";
import { ExitCode, InvalidInputError, removeTree } from "../util/mod.ts";
import { compareTrees, summarize, treesEqual, writeReport } from "../repro/mod.ts";
import { isValidRef, Store } from "../store/mod.ts";
import { cacheLayout } from "../build/mod.ts";

export const diffCommand: Command = {
  name: "diff",
  summary: "compare two build results (refs, commits or directories) file by file",
  usage: "2nex diff A B [--report]",
  help: `Compares two results file by file: added, removed and changed files with
their size, sha256, type, mode and the offset of the first differing byte. A and
B are each a directory, a commit checksum, or a ref of the repository (e.g.
x86_64/hello/2.10/main/tree). Modes are compared as ostree's canonical
permissions keep them (0755 mask), like the output hash.

Options:
      --report   also write report.txt / report.json (with diffoscope's text for
                 the first changed files when diffoscope is installed) under the
                 cache's reports/ directory

Exit codes: 0 identical, 3 different, 2 an argument is neither a directory, a
commit nor a ref.

Example:
  2nex diff x86_64/hello/2.10/main/tree /tmp/hello-rebuilt`,
  options: { report: { type: "boolean" } },
  maxPositionals: 2,
  minPositionals: 2,
  async run(context, positionals, options) {
    const scratch: string[] = [];
    try {
      const [a, b] = await Promise.all(
        positionals.map((arg) => materialize(context, arg, scratch)),
      );
      const diff = await compareTrees(a, b, { modeMask: 0o755 });
      let reportPath: string | undefined;
      if (options.report) {
        const ws = await context.workspace();
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        const written = await writeReport(diff, {
          dir: join(cacheLayout(ws.config.cache).reports, `diff-${stamp}`),
          labelA: positionals[0],
          labelB: positionals[1],
        });
        reportPath = written.textPath;
      }
      if (context.out.options.json) context.out.json({ ...diff, report: reportPath ?? null });
      else {
        context.out.print(summarize(diff, { max: 50 }));
        if (reportPath) context.out.info(`report: ${reportPath}`);
      }
      return treesEqual(diff) ? ExitCode.ok : ExitCode.verification;
    } finally {
      for (const dir of scratch) await removeTree(dir);
    }
  },
};

/** A directory holding the result named by `arg`: itself, or a checkout of a commit or ref. */
async function materialize(
  context: CommandContext,
  arg: string,
  scratch: string[],
): Promise<string> {
  const path = resolve(context.cwd, arg);
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isDirectory) return path;
  if (info) throw new InvalidInputError(`${arg} is a file; give a directory, a commit or a ref`);
  if (!/^[0-9a-f]{64}$/.test(arg) && !isValidRef(arg)) {
    throw new InvalidInputError(`${arg} is neither a directory, a commit nor a ref`);
  }
  const ws = await context.workspace();
  const store = await Store.open(ws.config.repo);
  const commit = /^[0-9a-f]{64}$/.test(arg) ? arg : await store.resolveRef(arg);
  if (!commit || !(await store.hasCommit(commit))) {
    throw new InvalidInputError(`${arg} is not in the repository ${ws.config.repo}`, {
      hint: "refs look like ARCH/SLUG/VERSION/FLAVOR/tree (see `2nex show PKG`)",
    });
  }
  await Deno.mkdir(cacheLayout(ws.config.cache).builds, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: cacheLayout(ws.config.cache).builds, prefix: "diff-" });
  scratch.push(dir);
  await store.checkout(commit, join(dir, "tree"), { hardlink: false });
  return join(dir, "tree");
}
