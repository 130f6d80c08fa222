/**
 * The folder rule of lib/ (scripts/check-imports.ts): the rule on import edges,
 * run-time loops between folders, and the whole check on a small tree written
 * here, read by `deno info` and run as `deno task check` runs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkImports,
  folderCycles,
  folderViolations,
  formatViolation,
  type ImportEdge,
  launcherViolations,
} from "../../scripts/check-imports.ts";

const edge = (from: string, to: string, line = 1, typeOnly = false): ImportEdge => ({
  from,
  to,
  line,
  typeOnly,
});

Deno.test("an import past another folder's mod.ts is refused, through it is allowed", () => {
  const found = folderViolations([
    edge("lib/build/package.ts", "lib/store/repo.ts", 7),
    edge("lib/build/package.ts", "lib/store/mod.ts", 8),
    edge("lib/build/package.ts", "lib/build/layout.ts", 9),
    edge("lib/build/package.ts", "lib/version.ts", 10),
  ]);
  assert.deepEqual(found.map(formatViolation), [
    "lib/build/package.ts:7: imports lib/store/repo.ts past lib/store/mod.ts",
  ]);
});

Deno.test("main.ts and scripts go through mod.ts; tests and benchmarks may reach inside", () => {
  const found = folderViolations([
    edge("main.ts", "lib/cli/launch.ts", 1),
    edge("scripts/compile.ts", "lib/cli/self.ts", 2),
    edge("tests/unit/x_test.ts", "lib/expr/lexer.ts", 3),
    edge("tests/helpers/cli.ts", "lib/cli/main.ts", 4),
    edge("scripts/bench/yaml_bench.ts", "lib/manifest/fast_yaml.ts", 5),
  ]);
  assert.deepEqual(found.map(formatViolation), [
    "main.ts:1: imports lib/cli/launch.ts past lib/cli/mod.ts",
    "scripts/compile.ts:2: imports lib/cli/self.ts past lib/cli/mod.ts",
  ]);
});

Deno.test("a file that imports its own folder's mod.ts is refused (a loop through mod.ts)", () => {
  const found = folderViolations([
    edge("lib/store/repo.ts", "lib/store/mod.ts", 4),
    edge("lib/store/mod.ts", "lib/store/repo.ts", 5),
  ]);
  assert.equal(found.length, 1);
  assert.equal(found[0].file, "lib/store/repo.ts");
  assert.equal(found[0].line, 4);
  assert.match(found[0].message, /^imports its own folder's lib\/store\/mod\.ts/);
});

Deno.test("a run-time loop between folders is reported once, at an import that closes it", () => {
  const found = folderCycles([
    edge("lib/a/x.ts", "lib/b/mod.ts", 3),
    edge("lib/b/y.ts", "lib/c/mod.ts", 4),
    edge("lib/c/z.ts", "lib/a/mod.ts", 5),
    edge("lib/c/w.ts", "lib/d/mod.ts", 6),
  ]);
  assert.deepEqual(found.map(formatViolation), [
    "lib/a/x.ts:3: imports lib/b/mod.ts, and lib/b leads back to lib/a: " +
    "lib/a -> lib/b -> lib/c -> lib/a",
  ]);
});

Deno.test("a loop closed only by a type-only import is no run-time loop", () => {
  assert.deepEqual(
    folderCycles([
      edge("lib/a/x.ts", "lib/b/mod.ts", 3),
      edge("lib/b/y.ts", "lib/a/mod.ts", 4, true),
    ]),
    [],
  );
});

Deno.test("a light.ts is a surface too: other folders may import it", () => {
  assert.deepEqual(
    folderViolations([
      edge("lib/cli/launch.ts", "lib/workspace/light.ts", 3),
      edge("lib/workspace/paths.ts", "lib/workspace/light.ts", 4),
    ]).map(formatViolation),
    [
      "lib/workspace/paths.ts:4: imports its own folder's lib/workspace/light.ts (import the " +
      "module itself: the surface re-exports the folder, so the import makes a loop)",
    ],
  );
});

Deno.test("what main.ts loads at start reaches no mod.ts but lib/cli's and no heavy module", () => {
  const found = launcherViolations([
    edge("main.ts", "lib/cli/mod.ts", 1),
    edge("lib/cli/mod.ts", "lib/cli/launch.ts", 1),
    edge("lib/cli/launch.ts", "lib/workspace/light.ts", 2),
    edge("lib/cli/launch.ts", "node:path", 3),
    { ...edge("lib/cli/launch.ts", "lib/workspace/mod.ts", 4), dynamic: true },
    edge("lib/cli/launch.ts", "lib/store/mod.ts", 5, true),
    edge("lib/workspace/light.ts", "lib/workspace/paths.ts", 1),
    edge("lib/workspace/paths.ts", "lib/manifest/mod.ts", 6),
    edge("lib/workspace/paths.ts", "node:crypto", 7),
    edge("lib/workspace/paths.ts", "npm:yaml", 8),
    // Not loaded by the launcher: free to load what it likes.
    edge("lib/build/light.ts", "lib/util/mod.ts", 9),
    edge("lib/workspace/config.ts", "lib/manifest/mod.ts", 9),
  ]);
  assert.deepEqual(found.map(formatViolation), [
    "lib/workspace/paths.ts:6: main.ts loads lib/manifest/mod.ts at start " +
    "(through this import): the launcher's modules must stay light",
    "lib/workspace/paths.ts:7: main.ts loads node:crypto at start " +
    "(through this import): the launcher's modules must stay light",
    "lib/workspace/paths.ts:8: main.ts loads npm:yaml at start " +
    "(through this import): the launcher's modules must stay light",
  ]);
});

/** Writes `files` (path → text) below a new temporary directory. */
async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "2nex-check-imports-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

const cleanTree = {
  "lib/version.ts": `export const VERSION = "1";\n`,
  "lib/a/mod.ts": `export { inner } from "./inner.ts";\n`,
  "lib/a/inner.ts": `import { VERSION } from "../version.ts";\nexport const inner = VERSION;\n`,
  "lib/b/mod.ts": `export { user } from "./user.ts";\n`,
  "lib/b/user.ts": [
    `// import { inner } from "../a/inner.ts"; (a comment is no import)`,
    `import { inner } from "../a/mod.ts";`,
    `export const user = inner;`,
    ``,
  ].join("\n"),
  // Dynamic: main.ts is the launcher's way in, which loads no mod.ts at start.
  "main.ts": `const { user } = await import("./lib/b/mod.ts");\nconsole.log(user);\n`,
  "tests/unit/a_test.ts": `import { inner } from "../../lib/a/inner.ts";\nconsole.log(inner);\n`,
};

Deno.test("the check reads a tree with deno info and finds each broken import", async () => {
  const root = await writeTree({
    ...cleanTree,
    "lib/b/user.ts": [
      `import { inner } from "../a/mod.ts";`,
      `import type { Inner } from "../a/types.ts";`,
      `export const user: Inner = inner;`,
      ``,
    ].join("\n"),
    "lib/a/types.ts": `export type Inner = string;\n`,
    "lib/a/inner.ts": `import { user } from "../b/mod.ts";\nexport const inner = "a" + user;\n`,
    "scripts/tool.ts": `await import("../lib/a/inner.ts");\n`,
  });
  try {
    assert.deepEqual((await checkImports(root)).map(formatViolation), [
      "lib/a/inner.ts:1: imports lib/b/mod.ts, and lib/b leads back to lib/a: " +
      "lib/a -> lib/b -> lib/a",
      "lib/b/user.ts:2: imports lib/a/types.ts past lib/a/mod.ts",
      "scripts/tool.ts:1: imports lib/a/inner.ts past lib/a/mod.ts",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the check reads the launcher's static, dynamic and outside imports with deno info", async () => {
  const root = await writeTree({
    ...cleanTree,
    "main.ts": `import { heavy } from "./lib/a/light.ts";\nconsole.log(heavy);\n`,
    "lib/a/light.ts": `export { heavy } from "./heavy.ts";\n`,
    "lib/a/heavy.ts": [
      `import { createHash } from "node:crypto";`,
      `import { join } from "node:path";`,
      `import { user } from "../b/mod.ts";`,
      `export const heavy = () => import("../b/mod.ts").then(() => [createHash, join, user]);`,
      ``,
    ].join("\n"),
  });
  try {
    assert.deepEqual((await checkImports(root)).map(formatViolation), [
      "lib/a/heavy.ts:1: main.ts loads node:crypto at start (through this import): " +
      "the launcher's modules must stay light",
      "lib/a/heavy.ts:3: imports lib/b/mod.ts, and lib/b leads back to lib/a: " +
      "lib/a -> lib/b -> lib/a",
      "lib/a/heavy.ts:3: main.ts loads lib/b/mod.ts at start (through this import): " +
      "the launcher's modules must stay light",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Runs the checker the way `deno task check` does, in `root`. */
async function runChecker(root: string): Promise<{ code: number; stderr: string }> {
  const script = new URL("../../scripts/check-imports.ts", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", script, root],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

Deno.test("the script exits 1 with file:line lines on a violation and 0 on a clean tree", async () => {
  const clean = await writeTree(cleanTree);
  const broken = await writeTree({
    ...cleanTree,
    "main.ts": `import { inner } from "./lib/a/inner.ts";\nconsole.log(inner);\n`,
  });
  try {
    assert.deepEqual(await runChecker(clean), { code: 0, stderr: "" });
    const { code, stderr } = await runChecker(broken);
    assert.equal(code, 1);
    assert.equal(
      stderr.split("\n")[0],
      "main.ts:1: imports lib/a/inner.ts past lib/a/mod.ts",
    );
  } finally {
    await Deno.remove(clean, { recursive: true });
    await Deno.remove(broken, { recursive: true });
  }
});

Deno.test("a file that does not parse or an import of a missing file stops the check", async () => {
  const unparsable = await writeTree({ ...cleanTree, "lib/a/inner.ts": "export const = ;\n" });
  const missing = await writeTree({ ...cleanTree, "lib/b/user.ts": `import "../a/gone.ts";\n` });
  try {
    await assert.rejects(checkImports(unparsable), /cannot read .*lib\/a\/inner\.ts: SyntaxError/);
    await assert.rejects(checkImports(missing), /cannot read .*lib\/a\/gone\.ts/);
    const { code, stderr } = await runChecker(unparsable);
    assert.equal(code, 2);
    assert.match(stderr, /^check-imports: cannot read /);
  } finally {
    await Deno.remove(unparsable, { recursive: true });
    await Deno.remove(missing, { recursive: true });
  }
});
