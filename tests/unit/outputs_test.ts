import assert from "node:assert/strict";
import { materializeOutputs, planOutputs, removeDiscarded } from "../../lib/build/outputs.ts";
import { compileGlob, matchSegment } from "../../lib/build/output_match.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

/** Makes a tree: paths ending in "/" are directories, "->" makes a symlink. */
async function makeTree(entries: string[]): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "2nex-outputs-" });
  for (const entry of entries) {
    if (entry.endsWith("/")) {
      await Deno.mkdir(`${root}/${entry}`, { recursive: true });
      continue;
    }
    const [path, target] = entry.split(" -> ");
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (parent) await Deno.mkdir(`${root}/${parent}`, { recursive: true });
    if (target !== undefined) await Deno.symlink(target, `${root}/${path}`);
    else await Deno.writeTextFile(`${root}/${path}`, path);
  }
  return root;
}

async function withTree(entries: string[], body: (root: string) => Promise<void>) {
  const root = await makeTree(entries);
  try {
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const m4Tree = [
  "usr/bin/m4",
  "usr/bin/m4-helper",
  "usr/share/man/man1/m4.1",
  "usr/share/info/m4.info",
  "usr/share/info/dir",
  "usr/lib/libm4.so.1",
  "usr/lib/libm4.so -> libm4.so.1",
  "usr/lib/libm4.a",
  "usr/include/m4.h",
  "var/empty/",
];

Deno.test("matchSegment handles * and ? within a segment", () => {
  assert(matchSegment("*.so", "libm4.so"));
  assert(matchSegment("lib*.so.?", "libm4.so.1"));
  assert(!matchSegment("lib*.so.?", "libm4.so.12"));
  assert(matchSegment("*", ""));
  assert(matchSegment("a*b*c", "aXbYbZc"));
  assert(!matchSegment("a*b*c", "aXbYbZ"));
  assert(!matchSegment("?", ""));
  // Regex metacharacters in names are plain characters.
  assert(matchSegment("g++*", "g++-12"));
  assert(!matchSegment("a.c", "abc"));
  assert(matchSegment("(x)[y]", "(x)[y]"));
});

Deno.test("compileGlob: ** spans segments, * does not", () => {
  const doc = compileGlob("/usr/share/**");
  assert(doc("usr/share/man/man1/m4.1"));
  assert(doc("usr/share"));
  assert(!doc("usr/lib/x"));
  const star = compileGlob("/usr/*/m4");
  assert(star("usr/bin/m4"));
  assert(!star("usr/local/bin/m4"));
  const deep = compileGlob("/usr/**/*.h");
  assert(deep("usr/include/m4.h"));
  assert(deep("usr/include/sys/x.h"));
  assert(deep("usr/x.h"));
  assert(!deep("usr/include/m4.hpp"));
  const literal = compileGlob("/usr/bin/m4");
  assert(literal("usr/bin/m4"));
  assert(!literal("usr/bin/m4x"));
});

Deno.test("planOutputs splits by literal paths, globs and directories, first match wins", async () => {
  await withTree(m4Tree, async (root) => {
    const plan = await planOutputs(root, {
      bin: ["/usr/bin/m4"],
      dev: ["/usr/include", "/usr/lib/*.a", "/usr/lib/lib?4.so"],
      lib: ["/usr/lib"],
      doc: ["/usr/share/**"],
      discard: ["/usr/share/info/dir"],
    });
    assert.deepEqual(plan.byOutput, {
      bin: ["usr/bin/m4"],
      dev: ["usr/include/m4.h", "usr/lib/libm4.a", "usr/lib/libm4.so"],
      lib: ["usr/lib/libm4.so.1"],
      doc: ["usr/share/info/m4.info", "usr/share/man/man1/m4.1"],
    });
    assert.deepEqual(plan.discarded, ["usr/share/info/dir"]);
    assert.deepEqual(plan.emptied, []);
    assert.deepEqual(plan.unlisted, ["usr/bin/m4-helper", "var/empty"]);
    assert.deepEqual(plan.missing, []);
    assert.deepEqual(plan.unmatched, []);
    assert.deepEqual(plan.files.length, 9);
    assert(!plan.files.includes("usr/share/info/dir"));
  });
});

Deno.test("planOutputs: output order decides overlaps, not pattern specificity", async () => {
  await withTree(m4Tree, async (root) => {
    const plan = await planOutputs(root, { lib: ["/usr/lib"], dev: ["/usr/lib/*.a"] });
    assert.deepEqual(plan.byOutput.dev, []);
    assert(plan.byOutput.lib.includes("usr/lib/libm4.a"));
    // The glob matched (it is not "unmatched"), only an earlier output took its file.
    assert.deepEqual(plan.unmatched, []);
  });
});

Deno.test("planOutputs: discard wins wherever it is written, and empties directories", async () => {
  await withTree(m4Tree, async (root) => {
    const plan = await planOutputs(root, {
      discard: ["/usr/share/info/*", "/usr/include"],
      all: ["/"],
    });
    assert.deepEqual(plan.discarded, [
      "usr/include",
      "usr/share/info/dir",
      "usr/share/info/m4.info",
    ]);
    assert.deepEqual(plan.emptied, ["usr/share/info"]);
    assert.deepEqual(plan.unlisted, []);
    assert(plan.byOutput.all.includes("var/empty"), "an originally empty dir is a leaf");
    assert(!("discard" in plan.byOutput));
    await removeDiscarded(root, plan);
    const left = await planOutputs(root, { all: ["/"] });
    assert.deepEqual(left.files, plan.files);
    await Deno.stat(`${root}/usr/share/man/man1/m4.1`);
    let gone = false;
    await Deno.stat(`${root}/usr/share/info`).catch(() => gone = true);
    assert(gone, "usr/share/info was emptied by discard and removed");
  });
});

Deno.test("planOutputs reports missing literals and unmatched globs", async () => {
  await withTree(m4Tree, async (root) => {
    const plan = await planOutputs(root, {
      bin: ["/usr/bin/m4", "/usr/bin/nope"],
      doc: ["/usr/share/doc/**", "/usr/share/*/*/m4.1"],
      discard: ["/etc/gone"],
    });
    assert.deepEqual(plan.missing, [
      { output: "bin", pattern: "/usr/bin/nope" },
      { output: "discard", pattern: "/etc/gone" },
    ]);
    assert.deepEqual(plan.unmatched, [{ output: "doc", pattern: "/usr/share/doc/**" }]);
  });
});

Deno.test("planOutputs: symlinks are leaves, never followed", async () => {
  await withTree(["real/a", "real/b", "link -> real"], async (root) => {
    const plan = await planOutputs(root, { l: ["/link"], r: ["/real/*"] });
    assert.deepEqual(plan.byOutput, { l: ["link"], r: ["real/a", "real/b"] });
    // A glob through the symlink does not see inside it.
    const through = await planOutputs(root, { x: ["/link/*"] });
    assert.deepEqual(through.byOutput.x, []);
    assert.deepEqual(through.unmatched.length, 1);
  });
});

Deno.test("planOutputs rejects relative and dot-dot patterns", async () => {
  await withTree(["a"], async (root) => {
    for (const pattern of ["usr/bin", "/usr/../etc", "/./a"]) {
      let caught: unknown;
      try {
        await planOutputs(root, { bin: [pattern] });
      } catch (error) {
        caught = error;
      }
      assert(caught instanceof InvalidInputError, `${pattern} should be rejected`);
    }
  });
  assert.throws(() => compileGlob("relative/*"), InvalidInputError);
});

Deno.test("planOutputs handles thousands of literal paths over tens of thousands of files", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-outputs-many-" });
  try {
    const dirs = 100;
    const perDir = 200;
    for (let d = 0; d < dirs; d++) {
      await Deno.mkdir(`${root}/usr/lib/d${d}`, { recursive: true });
      for (let f = 0; f < perDir; f++) {
        Deno.writeFileSync(`${root}/usr/lib/d${d}/f${f}`, new Uint8Array());
      }
    }
    const literals: string[] = [];
    for (let d = 0; d < dirs; d++) {
      for (let f = 0; f < 30; f++) literals.push(`/usr/lib/d${d}/f${f}`);
    }
    const globs = Array.from({ length: 200 }, (_, d) => `/usr/lib/d${d}/f1?`);
    const started = performance.now();
    const plan = await planOutputs(root, { picked: literals, teens: globs, rest: ["/usr"] });
    const elapsed = performance.now() - started;
    assert.deepEqual(plan.files.length, dirs * perDir);
    assert.deepEqual(plan.byOutput.picked.length, dirs * 30);
    // f1? also matches f10..f19, which "picked" already took: 0 left for teens.
    assert.deepEqual(plan.byOutput.teens.length, 0);
    assert.deepEqual(plan.byOutput.rest.length, dirs * perDir - dirs * 30);
    assert.deepEqual(plan.missing, []);
    // Globs for d100..d199 match nothing.
    assert.deepEqual(plan.unmatched.length, 100);
    console.log(
      `planned ${plan.files.length} files, ${literals.length + globs.length} patterns in ${
        elapsed.toFixed(0)
      } ms`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("materializeOutputs hardlinks files, recreates symlinks and keeps directory modes", async () => {
  await withTree(m4Tree, async (root) => {
    await Deno.chmod(`${root}/usr/lib`, 0o555);
    await Deno.chmod(`${root}/usr/bin/m4`, 0o755);
    const plan = await planOutputs(root, {
      bin: ["/usr/bin/m4"],
      lib: ["/usr/lib"],
      rest: ["/"],
    });
    const dest = await Deno.makeTempDir({ prefix: "2nex-materialize-" });
    try {
      const made = materializeOutputs(root, plan, dest);
      assert.deepEqual(Object.keys(made), ["bin", "lib", "rest"]);
      const source = await Deno.stat(`${root}/usr/bin/m4`);
      const linked = await Deno.stat(`${made.bin}/usr/bin/m4`);
      assert.deepEqual(linked.ino, source.ino, "files are hardlinks");
      assert.deepEqual(await Deno.readLink(`${made.lib}/usr/lib/libm4.so`), "libm4.so.1");
      assert.deepEqual((await Deno.stat(`${made.lib}/usr/lib`)).mode! & 0o777, 0o555);
      assert((await Deno.stat(`${made.rest}/var/empty`)).isDirectory);
      let binHasLib = true;
      await Deno.stat(`${made.bin}/usr/lib`).catch(() => binHasLib = false);
      assert(!binHasLib, "an output holds only its own leaves and their parents");
    } finally {
      await Deno.chmod(`${dest}/lib/usr/lib`, 0o755).catch(() => {});
      await Deno.remove(dest, { recursive: true });
      await Deno.chmod(`${root}/usr/lib`, 0o755);
    }
  });
});
