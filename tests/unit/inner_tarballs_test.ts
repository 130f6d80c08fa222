/** scripts/inner-tarballs.sh: the tarballs at the top of a tarball's directory, byte for byte. */
import assert from "node:assert/strict";
import { join } from "node:path";

const SCRIPT = new URL("../../scripts/inner-tarballs.sh", import.meta.url).pathname;

async function run(command: string, args: string[], cwd?: string): Promise<void> {
  const result = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
}

Deno.test("inner-tarballs: extracts only the top-level tarballs, unchanged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const top = join(dir, "pkg-1.0");
    await Deno.mkdir(join(top, "deeper"), { recursive: true });
    await Deno.writeTextFile(join(dir, "payload.txt"), "the release\n");
    await run("tar", ["-cJf", join(top, "pkg-1.0-dfsg.tar.xz"), "-C", dir, "payload.txt"]);
    await run("tar", ["-czf", join(top, "deeper", "other.tar.gz"), "-C", dir, "payload.txt"]);
    await Deno.writeTextFile(join(top, "README"), "not a tarball\n");
    await run("tar", ["-czf", join(dir, "pkg_1.0.orig.tar.gz"), "pkg-1.0"], dir);

    const out = join(dir, "out");
    await run(SCRIPT, [out, join(dir, "pkg_1.0.orig.tar.gz")]);
    const names: string[] = [];
    for await (const entry of Deno.readDir(out)) names.push(entry.name);
    assert.deepEqual(names, ["pkg-1.0-dfsg.tar.xz"]);
    assert.deepEqual(
      await Deno.readFile(join(out, "pkg-1.0-dfsg.tar.xz")),
      await Deno.readFile(join(top, "pkg-1.0-dfsg.tar.xz")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
