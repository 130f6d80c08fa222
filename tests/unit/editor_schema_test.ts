/**
 * The JSON Schemas of manifests and 2nex.yaml (docs/schemas/, made from the
 * key tables the validators read): the committed files are what the generator
 * writes now; every manifest and 2nex.yaml of the repository, the examples
 * `2nex init` writes and the README's examples are valid under them (checked
 * with ajv); and broken manifests are refused by both the schema and the
 * validator, so the two agree.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import {
  EDITOR_SCHEMAS,
  editorSchema,
  editorSchemaFile,
  type EditorSchemaName,
  editorSchemaText,
} from "../../lib/workspace/editor_schema.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { parseConfig, STARTER_CONFIG } from "../../lib/workspace/config.ts";
import { exampleManifest } from "../../lib/cli/init_example.ts";
import { repoRoot } from "../helpers/cli.ts";

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = {
  manifest: ajv.compile(editorSchema("manifest")),
  config: ajv.compile(editorSchema("config")),
};

/** The schema's verdict on YAML text: undefined when valid, else ajv's errors. */
function schemaErrors(name: EditorSchemaName, text: string): string | undefined {
  const validate = validators[name];
  if (validate(parse(text) ?? null)) return undefined;
  return JSON.stringify(validate.errors, null, 2);
}

/** The validator's errors on manifest text, one per line ("" when it loads). */
async function validatorErrors(text: string): Promise<string> {
  const { diagnostics } = await loadManifestText("/m.yaml", text);
  return diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.line}:${d.col}: ${d.message}`).join("\n");
}

/** Directories that hold no file of ours (and may hold many others). */
const NOT_OURS = new Set(["vendor", ".2nex", "node_modules", ".git", "dist"]);

function yamlFiles(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && !NOT_OURS.has(entry.name)) out.push(...yamlFiles(path, keep));
    else if (keep(entry.name)) out.push(path);
  }
  return out.sort();
}

/** The fenced yaml block of the README right after `heading`. */
function readmeBlock(readme: string, heading: string): string {
  const from = readme.indexOf(heading);
  assert.ok(from >= 0, `README has no heading ${heading}`);
  const block = readme.slice(from).match(/```yaml\n([\s\S]*?)```/);
  assert.ok(block, `README has no yaml block after ${heading}`);
  return block[1];
}

Deno.test("docs/schemas/{manifest,config}.schema.json are what the generator writes", async () => {
  for (const name of Object.keys(EDITOR_SCHEMAS) as EditorSchemaName[]) {
    const path = join(repoRoot, "docs/schemas", editorSchemaFile(name));
    assert.equal(
      await Deno.readTextFile(path),
      editorSchemaText(name),
      `${path} is stale: run deno run --allow-read --allow-write=docs/schemas scripts/json-schemas.ts`,
    );
  }
});

Deno.test("every manifest of the repository, init's example and the README's are valid under the schema", async () => {
  const files = yamlFiles(join(repoRoot, "manifests"), (n) => /\.ya?ml$/.test(n));
  assert.ok(files.length >= 20, `only ${files.length} manifests found`);
  const readme = await Deno.readTextFile(join(repoRoot, "README.md"));
  const texts: Array<[string, string]> = [
    ...files.map((f): [string, string] => [relative(repoRoot, f), Deno.readTextFileSync(f)]),
    ["init's example", exampleManifest()],
    ["the README's manifest", readmeBlock(readme, "## Manifests")],
  ];
  for (const [what, text] of texts) {
    const errors = schemaErrors("manifest", text);
    assert.equal(errors, undefined, `${what} is not valid under the schema:\n${errors}`);
  }
  // The validator agrees on the examples (the repository's manifests are linted elsewhere).
  for (const [what, text] of texts.slice(-2)) {
    assert.equal(await validatorErrors(text), "", `${what} does not validate`);
  }
});

Deno.test("every 2nex.yaml of the repository, init's and the README's are valid under the schema", async () => {
  const files = yamlFiles(repoRoot, (n) => n === "2nex.yaml");
  assert.ok(files.length >= 2, `only ${files.length} 2nex.yaml found`);
  const readme = await Deno.readTextFile(join(repoRoot, "README.md"));
  const texts: Array<[string, string]> = [
    ...files.map((f): [string, string] => [relative(repoRoot, f), Deno.readTextFileSync(f)]),
    ["init's 2nex.yaml", STARTER_CONFIG],
    ["the README's 2nex.yaml", readmeBlock(readme, "## Workspace: `2nex.yaml`")],
  ];
  for (const [what, text] of texts) {
    const errors = schemaErrors("config", text);
    assert.equal(errors, undefined, `${what} is not valid under the schema:\n${errors}`);
  }
  const bag = new DiagnosticBag("/ws/2nex.yaml", STARTER_CONFIG);
  await parseConfig("/ws", STARTER_CONFIG, bag);
  assert.deepEqual(bag.items, [], "init's 2nex.yaml does not validate");
});

/** A manifest that both accept; each bad case below changes one thing in it. */
const GOOD = `package:
  schema: 1
  slug: tool
  version: "1.0"
sources:
  - name: src
    url: https://example.org/tool-1.0.tar.gz
    sha256: ${"a".repeat(64)}
build:
  timeout: 60
  script: make
outputs:
  bin: [/usr/bin/tool]
bundles:
  default: [bin]
x-note: extension keys are ignored
`;

const BAD: Record<string, string> = {
  "an unknown top-level key": GOOD + "sourcs: []\n",
  "an unknown package key": GOOD.replace("  slug:", "  slg: x\n  slug:"),
  "no schema": GOOD.replace("  schema: 1\n", ""),
  "schema 2": GOOD.replace("schema: 1", "schema: 2"),
  "no slug": GOOD.replace("  slug: tool\n", ""),
  "an upper-case slug": GOOD.replace("slug: tool", "slug: Tool"),
  "a templated slug": GOOD.replace("slug: tool", "slug: t${{ package.version }}"),
  "a version with a space": GOOD.replace('"1.0"', '"1.0 beta"'),
  "a short sha256": GOOD.replace("a".repeat(64), "abc"),
  "stable_checksum as text": GOOD.replace("  version:", "  stable_checksum: maybe\n  version:"),
  "no build": GOOD.replace("build:\n  timeout: 60\n  script: make\n", ""),
  "no script": GOOD.replace("  script: make\n", ""),
  "a bad sandbox": GOOD.replace("  timeout: 60", "  sandbox: chroot\n  timeout: 60"),
  "a zero timeout": GOOD.replace("timeout: 60", "timeout: 0"),
  "a source without sha256": GOOD.replace(/ {4}sha256: a+\n/, ""),
  "a source with url and file": GOOD.replace("    sha256:", "    file: tool.tar.gz\n    sha256:"),
  "a source with neither url nor file": GOOD.replace(/ {4}url: .*\n/, ""),
  "an ftp URL": GOOD.replace("https://", "ftp://"),
  'a source named ".."': GOOD.replace("name: src", 'name: ".."'),
  "sources as a map": GOOD.replace("sources:\n  - name", "sources:\n  x:\n    name"),
  "an env name with a dash": GOOD.replace("  timeout: 60", "  env: { MY-VAR: x }\n  timeout: 60"),
  "an env value that is a list": GOOD.replace("  timeout: 60", "  env: { X: [a] }\n  timeout: 60"),
  "a var name with a dash": GOOD.replace("sources:", "vars: { my-var: 1 }\nsources:"),
  'a bundle named ".."': GOOD.replace("  default: [bin]", '  "..": [bin]'),
  "a memory limit in furlongs": GOOD.replace(
    "  timeout: 60",
    "  limits: { memory: 8 furlongs }\n  timeout: 60",
  ),
  "a list at the top": "- package\n",
  "an empty file": "",
};

for (const [what, text] of Object.entries(BAD)) {
  Deno.test(`schema and validator both refuse a manifest with ${what}`, async () => {
    assert.notEqual(schemaErrors("manifest", text), undefined, "the schema accepts it");
    assert.notEqual(await validatorErrors(text), "", "the validator accepts it");
  });
}

Deno.test("the manifest the bad cases start from is good for both", async () => {
  assert.equal(schemaErrors("manifest", GOOD), undefined);
  assert.equal(await validatorErrors(GOOD), "");
});
