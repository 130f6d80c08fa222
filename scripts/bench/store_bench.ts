/**
 * What the store costs one trivial build: a one-file result split into 2 outputs,
 * committed as tree + 2 output commits + 1 bundle commit, with 5 refs (tree,
 * outputs, bundle, input key). Compared with doing the same through the stock
 * `ostree` CLI only (a commit per tree, refs through `ostree refs`), side by side.
 * Also: a fully cached lookup of 200 packages (input-key refs) and `hashDirectory`.
 *
 * `deno task bench` runs these as `deno bench` cases; run the file directly
 * (`deno run -A scripts/bench/store_bench.ts [ROUNDS]`) for a summary with medians
 * and the number of ostree processes per build.
 */
import { materializeOutputs, planOutputs, removeDiscarded } from "../../lib/build/outputs.ts";
import { inputKeyRef, packageRefs, Store } from "../../lib/store/mod.ts";
import { run } from "../../lib/util/process.ts";

const EPOCH = 1704067200;
const OUTPUTS = {
  bin: ["/usr/bin/hello"],
  doc: ["/usr/share/**"],
  discard: ["/usr/share/info/dir"],
};

let serial = 0;

/** A fresh one-file result (plus a doc file and a discarded one), unique per call. */
async function makeResult(root: string): Promise<string> {
  const out = `${root}/out-${++serial}`;
  await Deno.mkdir(`${out}/usr/bin`, { recursive: true });
  await Deno.mkdir(`${out}/usr/share/info`, { recursive: true });
  await Deno.writeTextFile(`${out}/usr/bin/hello`, `#!/bin/sh\necho hello ${serial}\n`);
  await Deno.chmod(`${out}/usr/bin/hello`, 0o755);
  await Deno.writeTextFile(`${out}/usr/share/info/hello.info`, `doc ${serial}\n`);
  await Deno.writeTextFile(`${out}/usr/share/info/dir`, "index\n");
  return out;
}

function idOf(n: number) {
  return { arch: "x86_64", slug: `pkg${n}`, version: "1.0", flavor: "main" };
}

/** The store part of one build, as the build orchestration would do it. */
async function storeBuild(store: Store, out: string, n: number): Promise<number> {
  const plan = await planOutputs(out, OUTPUTS);
  await removeDiscarded(out, plan);
  const key = `${n}`.padStart(64, "0");
  const meta = {
    subject: `pkg${n} 1.0`,
    metadata: { "2nex.input-key": key, "2nex.version": "0.1.0" },
    timestamp: EPOCH,
  };
  const tree = await store.commit(out, meta);
  const refs = packageRefs(idOf(n));
  const outputs: Record<string, string> = {};
  for (const [name, leaves] of Object.entries(plan.byOutput)) {
    outputs[name] = (await store.commitPaths(tree.commit, leaves, meta)).commit;
  }
  const bundle = await store.commitUnion([outputs.bin, outputs.doc], meta);
  await store.setRefs({
    [refs.tree]: tree.commit,
    [refs.output("bin")]: outputs.bin,
    [refs.output("doc")]: outputs.doc,
    [refs.bundle("default")]: bundle.commit,
    [inputKeyRef(key)]: tree.commit,
  });
  return 1; // ostree processes: the tree commit only.
}

/** The same with the stock CLI only: what a straightforward wrapper would spawn. */
async function cliBuild(repo: string, root: string, out: string, n: number): Promise<number> {
  let processes = 0;
  const ostree = async (...args: string[]) => {
    processes++;
    return (await run(["ostree", ...args, `--repo=${repo}`])).stdout.trim();
  };
  const plan = await planOutputs(out, OUTPUTS);
  await removeDiscarded(out, plan);
  const common = ["--orphan", "--canonical-permissions", "--no-xattrs", `--timestamp=@${EPOCH}`];
  const tree = await ostree("commit", ...common, "-s", "tree", `--tree=dir=${out}`);
  await ostree("show", tree); // for the ContentChecksum
  const dirs = materializeOutputs(out, plan, `${root}/split-${n}`);
  const outputs: Record<string, string> = {};
  for (const [name, dir] of Object.entries(dirs)) {
    outputs[name] = await ostree("commit", ...common, "-s", name, `--tree=dir=${dir}`);
  }
  const bundle = await ostree(
    "commit",
    "--orphan",
    "-s",
    "bundle",
    `--tree=ref=${outputs.bin}`,
    `--tree=ref=${outputs.doc}`,
  );
  const refs = packageRefs(idOf(n));
  for (
    const [ref, commit] of [
      [refs.tree, tree],
      [refs.output("bin"), outputs.bin],
      [refs.output("doc"), outputs.doc],
      [refs.bundle("default"), bundle],
      [`2nex/cli/${n}`, tree],
    ]
  ) {
    await ostree("refs", "--force", `--create=${ref}`, commit);
  }
  return processes;
}

/** A fully cached build of `count` packages: one input-key lookup and one tree ref each. */
async function cachedLookups(store: Store, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const commit = await store.resolveRef(inputKeyRef(`${n}`.padStart(64, "0")));
    if (commit === undefined) throw new Error(`package ${n} is not cached`);
    await store.resolveRef(packageRefs(idOf(n)).bundle("default"));
  }
}

async function setup(fsync: boolean) {
  const root = await Deno.makeTempDir({ prefix: "2nex-store-bench-" });
  const store = await Store.open(`${root}/repo`, { create: true, fsync });
  return { root, store };
}

if (import.meta.main) {
  const rounds = Number(Deno.args[0] ?? 20);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const time = async (label: string, body: (i: number) => Promise<unknown>) => {
    await body(-1); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      await body(i);
      samples.push(performance.now() - started);
    }
    console.log(
      `${label.padEnd(58)} median ${median(samples).toFixed(1).padStart(6)} ms` +
        `  min ${Math.min(...samples).toFixed(1).padStart(6)} ms`,
    );
  };
  for (const fsync of [true, false]) {
    const { root, store } = await setup(fsync);
    try {
      console.log(`-- fsync ${fsync ? "on (default)" : "off"}, ${rounds} rounds`);
      const outs: string[] = [];
      for (let i = -1; i < rounds; i++) outs.push(await makeResult(root));
      let ostreeProcesses = 0;
      await time("2nex store: plan + tree + 2 outputs + bundle + 5 refs", async (i) => {
        ostreeProcesses = await storeBuild(store, outs[i + 1], i + 1);
      });
      console.log(`   ostree processes per build: ${ostreeProcesses}`);
      const cliOuts: string[] = [];
      for (let i = -1; i < rounds; i++) cliOuts.push(await makeResult(root));
      let cliProcesses = 0;
      await time("stock ostree CLI for the same work (baseline)", async (i) => {
        cliProcesses = await cliBuild(store.path, root, cliOuts[i + 1], 1000 + i + 1);
      });
      console.log(`   ostree processes per build: ${cliProcesses}`);
      for (let n = rounds + 1; n < 200; n++) {
        await storeBuild(store, await makeResult(root), n);
      }
      await time(
        "cached: 200 packages, input-key + bundle ref lookups",
        () => cachedLookups(store, 200),
      );
      const tiny = await makeResult(root);
      await time("hashDirectory of a 3-file result", () => store.hashDirectory(tiny));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
} else {
  const { root, store } = await setup(true);
  const lookups = await setup(false);
  for (let n = 0; n < 200; n++) await storeBuild(lookups.store, await makeResult(lookups.root), n);
  let n = 10_000;
  Deno.bench({
    name: "store part of a trivial build (1 ostree process)",
    group: "build",
    baseline: true,
    async fn(b) {
      const out = await makeResult(root);
      b.start();
      await storeBuild(store, out, ++n);
      b.end();
    },
  });
  Deno.bench({
    name: "the same through the stock ostree CLI (10 processes)",
    group: "build",
    async fn(b) {
      const out = await makeResult(root);
      b.start();
      await cliBuild(store.path, root, out, ++n);
      b.end();
    },
  });
  Deno.bench("cached build of 200 packages: ref lookups", async () => {
    await cachedLookups(lookups.store, 200);
  });
  globalThis.addEventListener("unload", () => {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(lookups.root, { recursive: true });
  });
}
