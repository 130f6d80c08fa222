/**
 * The air-gapped start: 2nex bundled by scripts/bundle.ts runs the tour with an
 * empty Deno cache and no network at all (a new network namespace), and its
 * workers (the permission worker, the manifest-loading workers) load too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "../helpers/cli.ts";
import { e2eTest } from "../helpers/e2e.ts";

const decoder = new TextDecoder();

await e2eTest("bundle: the tour runs with an empty DENO_DIR and no network", [
  "ostree",
  "bwrap",
  "gcc",
  "unshare",
], async () => {
  const dir = await Deno.makeTempDir({ prefix: "2nex-airgap-" });
  try {
    const bundle = join(dir, "bundle");
    const made = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(repoRoot, "scripts/bundle.ts"), bundle],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(made.code, 0, decoder.decode(made.stderr));
    const denoDir = join(dir, "empty-deno-dir");
    await Deno.mkdir(denoDir);
    const home = join(dir, "home");
    await Deno.mkdir(home);
    // No network: a new network namespace (in a user namespace, so no privilege
    // is needed) has only a loopback that is down.
    const isolate = ["unshare", "--map-root-user", "--net", "--"];
    const twonex = async (args: string[], env: Record<string, string> = {}) => {
      const [program, ...rest] = [...isolate, join(bundle, "2nex"), ...args];
      const output = await new Deno.Command(program, {
        args: rest,
        cwd: join(home, args[0] === "init" ? "" : "my-distro"),
        env: { DENO_DIR: denoDir, DENO: Deno.execPath(), NO_COLOR: "1", ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: output.code,
        stdout: decoder.decode(output.stdout),
        stderr: decoder.decode(output.stderr),
      };
    };
    const init = await twonex(["init", "my-distro"]);
    assert.equal(init.code, 0, init.stderr);
    const build = await twonex(["build", "hello"]);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stderr, /1 built/);
    const checkout = await twonex(["checkout", "hello", join(dir, "out")]);
    assert.equal(checkout.code, 0, checkout.stderr);
    const hello = await new Deno.Command(join(dir, "out/usr/bin/hello"), { stdout: "piped" })
      .output();
    assert.equal(decoder.decode(hello.stdout), "Hello from 2nex!\n");
    // Enough manifests that lint validates them on worker threads.
    for (let i = 0; i < 900; i++) {
      await Deno.writeTextFile(
        join(home, "my-distro/manifests", `p${i}.yaml`),
        `package: {schema: 1, slug: p${i}, version: "1"}\nbuild: {script: "true"}\n`,
      );
    }
    const lint = await twonex(["lint"], { TWONEX_LOAD_THREADS: "2" });
    assert.equal(lint.code, 0, lint.stderr);
    assert.match(lint.stderr, /901 manifests checked: 0 errors/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
