/**
 * The README's five-minute tour, word for word, from a new temporary directory,
 * with the `2nex` command that scripts/setup.sh puts on PATH. Only the line
 * that opens an editor is left out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "../helpers/cli.ts";
import { e2eTest } from "../helpers/e2e.ts";

/** The commands of the README's tour, comments removed, the editor line dropped. */
async function tourCommands(): Promise<string[]> {
  const readme = await Deno.readTextFile(join(repoRoot, "README.md"));
  const section = readme.slice(readme.indexOf("## A five-minute tour"));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the tour has no sh block");
  return block[1].split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("$EDITOR"));
}

await e2eTest("README tour: every command runs as written, with 2nex from PATH", [
  "ostree",
  "bwrap",
  "gcc",
  "faketime",
], async () => {
  const commands = await tourCommands();
  assert.ok(commands.length >= 10, commands.join("\n"));
  assert.ok(commands.every((c) => !c.includes("deno task")), "the tour uses the 2nex command");
  const dir = await Deno.makeTempDir({ prefix: "2nex-tour-" });
  try {
    const bin = join(dir, "bin");
    const setup = await new Deno.Command("bash", {
      args: [join(repoRoot, "scripts/setup.sh")],
      env: { TWONEX_BIN_DIR: bin },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(setup.code, 0, new TextDecoder().decode(setup.stderr));
    const home = join(dir, "home");
    await Deno.mkdir(home);
    // Each command echoed before it runs, so a failure names its line.
    const script = [
      "set -e",
      ...commands.flatMap((c) => [`echo "+ ${c.replaceAll('"', '\\"')}" >&2`, c]),
    ]
      .join("\n");
    const tour = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: home,
      env: { PATH: `${bin}:${Deno.env.get("PATH")}`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(tour.stdout);
    const stderr = new TextDecoder().decode(tour.stderr);
    assert.equal(tour.code, 0, `the tour stopped:\n${stderr.slice(-3000)}`);
    assert.match(stdout, /^Hello from 2nex!$/m);
    assert.match(stderr, /1 built, 0 cached/);
    assert.match(stderr, /0 built, 1 cached/);
    assert.match(stderr, /hash written to manifest/);
    assert.match(stdout, /input key: +[0-9a-f]{64}/);
    assert.doesNotMatch(stderr, /Task 2nex|Failed to resolve/);
    const manifest = await Deno.readTextFile(join(home, "my-distro/manifests/hello.yaml"));
    assert.match(manifest, /^ {2}checksum: [0-9a-f]{64}$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
