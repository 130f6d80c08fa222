/**
 * The JSON contract: every command's `--json` output (and its errors) is one
 * object with `version` and `command`, valid under its schema in docs/schemas/,
 * checked with ajv on real outputs. The committed schemas must equal what
 * scripts/json-schemas.ts makes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv } from "ajv";
import { repoRoot } from "../helpers/cli.ts";
import { e2eTest, packageYaml, TestWorkspace } from "../helpers/e2e.ts";
import { JSON_COMMANDS, schemaText } from "../../scripts/json-schemas.ts";

const ajv = new Ajv({ allErrors: true, strict: false });
const checked = new Set<string>();

async function assertDocument(
  name: string,
  stdout: string,
  expect: "result" | "error" = "result",
): Promise<Record<string, unknown>> {
  const text = await Deno.readTextFile(join(repoRoot, "docs/schemas", `${name}.schema.json`));
  assert.equal(text, schemaText(name), `docs/schemas/${name}.schema.json is stale`);
  const schema = JSON.parse(text);
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(stdout);
  } catch {
    assert.fail(`${name} --json printed no JSON:\n${stdout}`);
  }
  assert.ok(
    validate(document),
    `${name}: ${JSON.stringify(validate.errors, null, 2)}\n${stdout.slice(0, 2000)}`,
  );
  assert.equal(document.command, name);
  assert.equal("error" in document, expect === "error", stdout.slice(0, 500));
  checked.add(name);
  return document;
}

await e2eTest("--json: every command prints one versioned object valid under its schema", [
  "ostree",
  "bwrap",
], async () => {
  const ws = await TestWorkspace.create();
  const scratch = await Deno.makeTempDir({ prefix: "2nex-json-" });
  try {
    await ws.write(
      "manifests/base.yaml",
      packageYaml({ slug: "base", script: 'echo base > "$OUT_DIR/base"' }),
    );
    await ws.write(
      "manifests/app.yaml",
      packageYaml({
        slug: "app",
        deps: ["base"],
        script: 'echo "making app"\necho app > "$OUT_DIR/app"',
      }),
    );
    const json = async (args: string[], expect: "result" | "error" = "result") => {
      const result = await ws.run([...args, "--json"]);
      return await assertDocument(args[0], result.stdout, expect);
    };

    await assertDocument("init", (await ws.run(["init", join(scratch, "new"), "--json"])).stdout);
    const lint = await json(["lint"]);
    assert.equal(lint.manifests, 2);
    await json(["show", "app"]);
    const graph = await json(["graph"]);
    assert.equal((graph.packages as unknown[]).length, 2);
    await json(["why-depends", "app", "base"]);
    assert.deepEqual((await json(["eval", "1 + 2"])).value, 3);
    await json(["fetch"]);
    await json(["vendor", join(scratch, "vendor")]);
    const build = await json(["build", "app"]);
    assert.equal(build.built, 2);
    await ws.write("tree/x", "hi\n");
    await json(["hash", ws.path("tree")]);
    await json(["checkout", "app", join(scratch, "out")]);
    const log = await json(["log", "app"]);
    assert.match(log.log as string, /making app/);
    await json(["diff", "x86_64/app/1.0/main/tree", "x86_64/base/1.0/main/tree"]);
    await json(["gc"]);
    const key = join(scratch, "cache.key");
    await json(["key", "generate", key]);
    await json(["publish", join(scratch, "published"), "--key", key]);
    await json(["doctor"]);
    await json(["completions", "bash"]);

    // Errors are documents too, in place of the command's own.
    const unknown = await json(["show", "nope"], "error");
    assert.equal((unknown.error as { exitCode: number }).exitCode, 2);
    await json(["node-build", ws.path("manifests/app.yaml")], "error");
    await ws.write("2nex.yaml", "jobz: 1\n");
    const config = await json(["lint"], "error");
    const diagnostics = (config.error as { diagnostics: Array<{ line: number }> }).diagnostics;
    assert.equal(diagnostics[0].line, 1);

    assert.deepEqual([...checked].sort(), [...JSON_COMMANDS].sort(), "a command has no JSON test");
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
    await Deno.remove(scratch, { recursive: true });
  }
});
