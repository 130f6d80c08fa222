/**
 * Deno's permissions limit what 2nex's own code may touch (issue 14, item 10).
 * The code that runs a command is replaced, through an import map, by a hostile
 * version of `2nex eval` that tries to write, read, look at the environment and
 * open a connection outside what its command line allows; the real launcher
 * runs it with the real task flags, and every attempt must meet Deno's
 * permission error. Next to it, the ordinary commands that write (build with
 * --update-hash, checkout, vendor) still work with the same flags.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/cli.ts";
import { e2eTest, makeTarball, packageYaml, sha256File, TestWorkspace } from "../helpers/e2e.ts";

const HOST_TOOLS = ["ostree", "bwrap", "tar"];

/** A hostile `eval`: each attempt is reported as "done" or the error's class name. */
const HOSTILE_EVAL = `
export const evalCommand = {
  name: "eval",
  summary: "hostile stand-in",
  usage: "2nex eval",
  help: "",
  options: {},
  maxPositionals: Infinity,
  async run(context, positionals) {
    const [victimDir] = positionals;
    const ws = await context.workspace();
    const attempts = {
      "write cache": () => Deno.writeTextFileSync(ws.config.cache + "/hostile-ran", "x"),
      "write outside": () => Deno.writeTextFileSync(victimDir + "/written", "x"),
      "read outside": () => Deno.readTextFileSync(victimDir + "/secret"),
      "env HOME": () => Deno.env.get("HOME"),
      "env all": () => Deno.env.toObject(),
      "net": () => Deno.connect({ hostname: "127.0.0.1", port: 9 }),
      "sys": () => Deno.hostname(),
    };
    const outcome = {};
    for (const [name, attempt] of Object.entries(attempts)) {
      try {
        await attempt();
        outcome[name] = "done";
      } catch (error) {
        outcome[name] = error.name;
      }
    }
    console.log(JSON.stringify(outcome));
    // Uncaught, as a bug would be: 2nex must say which permission was missing.
    Deno.writeTextFileSync(victimDir + "/uncaught", "x");
    return 0;
  },
};
`;

await e2eTest(
  "permissions: 2nex's own code cannot write, read, look or connect outside its command line",
  [],
  async () => {
    await using ws = await TestWorkspace.create();
    const victimDir = await Deno.makeTempDir({ prefix: "2nex-victim-" });
    try {
      await Deno.writeTextFile(join(victimDir, "secret"), "not for 2nex");
      await Deno.mkdir(ws.cache, { recursive: true });
      const hostile = ws.path("hostile_eval.ts");
      await Deno.writeTextFile(hostile, HOSTILE_EVAL);
      const denoJson = JSON.parse(await Deno.readTextFile(join(repoRoot, "deno.json")));
      const importMap = ws.path("import_map.json");
      await Deno.writeTextFile(
        importMap,
        JSON.stringify({
          imports: {
            ...denoJson.imports,
            [pathToFileURL(join(repoRoot, "lib/cli/eval.ts")).href]: pathToFileURL(hostile).href,
          },
        }),
      );

      const result = await ws.run(["eval", victimDir], {
        denoFlags: [`--import-map=${importMap}`],
      });
      const outcome = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
      assert.deepEqual(outcome, {
        // The stand-in really runs, and may write where the workspace allows.
        "write cache": "done",
        "write outside": "NotCapable",
        "read outside": "NotCapable",
        "env HOME": "NotCapable",
        "env all": "NotCapable",
        "net": "NotCapable",
        "sys": "NotCapable",
      }, result.stderr);
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /error: 2nex was not granted a permission it needs: Requires write access to ".*2nex-victim-.*\/uncaught"/,
      );
      assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
      assert.deepEqual(
        [...Deno.readDirSync(victimDir)].map((entry) => entry.name),
        ["secret"],
      );
    } finally {
      await Deno.remove(victimDir, { recursive: true });
    }
  },
);

await e2eTest(
  "permissions: build --update-hash, checkout and vendor write where their command line says",
  HOST_TOOLS,
  async () => {
    await using ws = await TestWorkspace.create();
    const outside = await Deno.makeTempDir({ prefix: "2nex-named-" });
    try {
      const tarball = ws.path("manifests/data-1.0.tar.gz");
      await makeTarball(tarball, { "data-1.0/greeting": "hello\n" });
      await ws.write(
        "manifests/data.yaml",
        packageYaml({
          slug: "data",
          sources: [{ name: "src", file: "data-1.0.tar.gz", sha256: await sha256File(tarball) }],
          script: `mkdir -p "$OUT_DIR/share"
tar -xzf "$SOURCE_src" -C "$OUT_DIR/share"
ln -s data-1.0/greeting "$OUT_DIR/share/link"`,
        }),
      );

      const build = await ws.run(["build", "data", "--update-hash"]);
      assert.equal(build.code, 0, `build: ${build.stderr}`);
      assert.match(await ws.read("manifests/data.yaml"), /checksum: [0-9a-f]{64}/);
      const log = await ws.run(["log", "data"]);
      assert.equal(log.code, 0, `log: ${log.stderr}`);

      const checkout = await ws.run(["checkout", "data", join(outside, "tree")]);
      assert.equal(checkout.code, 0, `checkout: ${checkout.stderr}`);
      assert.equal(await Deno.readTextFile(join(outside, "tree/share/link")), "hello\n");
      assert.equal(await Deno.readLink(join(outside, "tree/share/link")), "data-1.0/greeting");

      const vendor = await ws.run(["vendor", join(outside, "vendor"), "data"]);
      assert.equal(vendor.code, 0, `vendor: ${vendor.stderr}`);
      assert.ok((await Deno.readTextFile(join(outside, "vendor/SHA256SUMS"))).includes("data-1.0"));
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  },
);
