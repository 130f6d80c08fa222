/** `2nex init` writes an example that lints, builds offline and runs. */
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { repoRoot, twonex } from "../helpers/cli.ts";
import { e2eTest } from "../helpers/e2e.ts";

await e2eTest("init: the example package builds offline and runs", [
  "ostree",
  "gcc",
], async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-init-" });
  try {
    const ws = join(dir, "my-distro");
    const init = await twonex(["init", ws]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stderr, /wrote the example .*manifests\/hello\.yaml/);
    // Both files name their schema on their first line, by a path that resolves
    // (relative to the file, as yaml-language-server reads it) to a copy of docs/schemas.
    for (const [file, schema] of [["2nex.yaml", "config"], ["manifests/hello.yaml", "manifest"]]) {
      const first = (await Deno.readTextFile(join(ws, file))).split("\n")[0];
      const path = first.match(/^# yaml-language-server: \$schema=(\S+)$/)?.[1];
      assert.ok(path, `${file} starts with ${first}`);
      assert.equal(
        await Deno.readTextFile(resolve(dirname(join(ws, file)), path)),
        await Deno.readTextFile(join(repoRoot, `docs/schemas/${schema}.schema.json`)),
      );
    }
    const lint = await twonex(["lint"], { cwd: ws });
    assert.equal(lint.code, 0, lint.stderr);
    assert.match(lint.stderr, /1 manifest checked: 0 errors, 0 warnings/);
    const build = await twonex(["build", "hello", "--offline"], { cwd: ws });
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stderr, /1 built/);
    const out = join(dir, "out");
    const checkout = await twonex(["checkout", "hello", out], { cwd: ws });
    assert.equal(checkout.code, 0, checkout.stderr);
    const run = await new Deno.Command(join(out, "usr/bin/hello"), { stdout: "piped" }).output();
    assert.equal(new TextDecoder().decode(run.stdout), "Hello from 2nex!\n");
    // A second init changes nothing, and writes no second example, but it
    // brings back schemas that differ from this 2nex's (an older one's).
    const copy = join(ws, ".2nex-schema/manifest.schema.json");
    await Deno.writeTextFile(copy, "{}\n");
    const again = await twonex(["init", ws]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /example/);
    assert.equal(
      await Deno.readTextFile(copy),
      await Deno.readTextFile(join(repoRoot, "docs/schemas/manifest.schema.json")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
