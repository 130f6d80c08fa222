/** `2nex init` writes an example that lints, builds offline and runs. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { twonex } from "../helpers/cli.ts";
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
    // A second init changes nothing, and writes no second example.
    const again = await twonex(["init", ws]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /example/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
