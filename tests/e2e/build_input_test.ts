/**
 * Bad input at the CLI: unknown and ambiguous selectors, a dependency cycle, and
 * manifests that cannot be read (non-UTF-8 bytes, a YAML syntax error, 50 MB,
 * a directory named x.yaml, a file 2nex may not read). Each is exit 2 with a
 * diagnostic (`FILE:LINE:COL: error:` or `error:`), never a stack trace, and
 * builds nothing.
 */
import assert from "node:assert/strict";
import type { CliResult } from "../helpers/cli.ts";
import {
  assertNoStackTrace,
  e2eTest,
  packageYaml,
  type RunOptions,
  TestWorkspace,
} from "../helpers/e2e.ts";

/** Asserts exit 2, an error diagnostic matching `message`, no stack trace, nothing built. */
async function assertInvalid(
  ws: TestWorkspace,
  result: CliResult,
  message: RegExp,
): Promise<void> {
  assert.equal(result.code, 2, `exit ${result.code}:\n${result.stderr}`);
  assert.match(result.stderr, /^(\S+:\d+:\d+: |\S+: )?error: /m);
  assert.match(result.stderr, message);
  assertNoStackTrace(result.stderr);
  assert.deepEqual(await ws.list(".2nex/repo/refs/heads"), []);
}

const simple = (slug: string, extra: Partial<Parameters<typeof packageYaml>[0]> = {}) =>
  packageYaml({ slug, script: `echo ${slug} > "$OUT_DIR/${slug}"`, ...extra });

await e2eTest("input: an unknown package is exit 2 with a did-you-mean", ["ostree"], async () => {
  await using ws = await TestWorkspace.create();
  await ws.write("manifests/greeter.yaml", simple("greeter"));
  const result = await ws.run(["build", "greeterr"]);
  await assertInvalid(ws, result, /error: unknown package "greeterr"/);
  assert.match(result.stderr, /hint: did you mean "greeter"\?/);
});

await e2eTest(
  "input: an ambiguous selector is exit 2 listing the candidates",
  ["ostree"],
  async () => {
    await using ws = await TestWorkspace.create();
    await ws.write("manifests/tool-1.yaml", simple("tool", { version: "1.0" }));
    await ws.write("manifests/tool-2.yaml", simple("tool", { version: "2.0" }));
    const result = await ws.run(["build", "tool"]);
    await assertInvalid(ws, result, /error: "tool" is ambiguous: 2 packages match/);
    assert.match(result.stderr, /tool@1\.0 \(main\)\s+\(manifests\/tool-1\.yaml\)/);
    assert.match(result.stderr, /tool@2\.0 \(main\)\s+\(manifests\/tool-2\.yaml\)/);
    // Narrowed by version, it is no longer ambiguous.
    assert.equal((await ws.run(["build", "tool@2.0"])).code, 0);
  },
);

await e2eTest("input: a dependency cycle is exit 2", ["ostree"], async () => {
  await using ws = await TestWorkspace.create();
  await ws.write("manifests/chicken.yaml", simple("chicken", { deps: ["egg"] }));
  await ws.write("manifests/egg.yaml", simple("egg", { deps: ["chicken"] }));
  const result = await ws.run(["build", "chicken"]);
  await assertInvalid(
    ws,
    result,
    /manifests\/(chicken|egg)\.yaml:\d+:\d+: error: dependency cycle: (chicken -> egg -> chicken|egg -> chicken -> egg)/,
  );
});

/** A manifest that cannot be loaded, and what `lint` must say about it. */
interface BrokenCase {
  name: string;
  /** Writes the bad manifest at manifests/<file>. */
  make: (ws: TestWorkspace, path: string) => Promise<void>;
  file: string;
  /** The diagnostic `lint` prints, with its position when there is one. */
  lint: RegExp;
  /** Extra deno flags for every run (to deny reading the file). */
  denoFlags?: (ws: TestWorkspace) => string[];
}

const BROKEN: BrokenCase[] = [
  {
    name: "non-UTF-8 bytes in a manifest",
    file: "latin1.yaml",
    make: (ws, path) =>
      ws.write(
        path,
        new Uint8Array([
          ...new TextEncoder().encode("package:\n  schema: 1\n  slug: latin1\n  name: caf"),
          0xe9,
          ...new TextEncoder().encode('\n  version: "1"\nbuild:\n  script: echo\n'),
        ]),
      ),
    lint: /manifests\/latin1\.yaml:4:\d+: error: .*UTF-8/,
  },
  {
    name: "a YAML syntax error in a manifest",
    file: "syntax.yaml",
    make: (ws, path) =>
      ws.write(
        path,
        "package:\n  schema: 1\n  slug: syntax\n  version: [1\nbuild:\n  script: echo\n",
      ),
    lint: /manifests\/syntax\.yaml:\d+:\d+: error: YAML/,
  },
  {
    name: "a 50 MB manifest",
    file: "huge.yaml",
    make: async (ws, path) => {
      const head = 'package:\n  schema: 1\n  slug: huge\n  version: "1"\n  description: "';
      const tail = '"\nbuild:\n  script: echo\n';
      const body = new Uint8Array(head.length + 50 * 1024 * 1024 + tail.length).fill(0x61);
      body.set(new TextEncoder().encode(head), 0);
      body.set(new TextEncoder().encode(tail), body.length - tail.length);
      await ws.write(path, body);
    },
    lint: /manifests\/huge\.yaml: error: .*too large/,
  },
  {
    name: "a directory named x.yaml",
    file: "x.yaml",
    make: (ws, path) => Deno.mkdir(ws.path(path), { recursive: true }),
    lint: /manifests\/x\.yaml: error: .*directory/,
  },
  {
    name: "an unreadable manifest",
    file: "secret.yaml",
    make: (ws, path) => ws.write(path, simple("secret")),
    // As root, file modes do not stop reads: deny it to 2nex itself.
    denoFlags: (ws) => [`--deny-read=${ws.path("manifests/secret.yaml")}`],
    lint: /manifests\/secret\.yaml: error: .*permission denied/,
  },
];

for (const c of BROKEN) {
  await e2eTest(
    `input: ${c.name} is exit 2 with a diagnostic`,
    ["ostree"],
    async () => {
      await using ws = await TestWorkspace.create();
      await ws.write("manifests/good.yaml", simple("good"));
      const path = `manifests/${c.file}`;
      await c.make(ws, path);
      const options: RunOptions = { denoFlags: c.denoFlags?.(ws) };

      const started = performance.now();
      const build = await ws.run(["build", path], options);
      await assertInvalid(ws, build, new RegExp(`error: manifest ${path} has errors`));
      assert.ok(performance.now() - started < 20_000, "too slow to refuse a bad manifest");

      const lint = await ws.run(["lint", path], options);
      assert.equal(lint.code, 2, lint.stderr);
      assert.match(lint.stderr, c.lint);
      assertNoStackTrace(lint.stderr);

      // The broken file does not stop the rest of the workspace.
      const good = await ws.run(["build", "good"], options);
      assert.equal(good.code, 0, good.stderr);
      assertNoStackTrace(good.stderr);
    },
  );
}
