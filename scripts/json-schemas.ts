/**
 * The JSON Schemas of what `2nex COMMAND --json` prints (docs/schemas/), made
 * here from shared pieces so the envelope, the error and the diagnostic are
 * written once. `deno run --allow-write=docs/schemas scripts/json-schemas.ts`
 * rewrites the files; tests/e2e/json_contract_test.ts checks the files equal
 * this and validates real outputs against them.
 *
 * Every document is an object with `version` (lib/cli/output.ts JSON_VERSION)
 * and `command`; a failed command prints `{version, command, error}` instead.
 * `provenance` is the exception: it prints standard documents (in-toto, SPDX),
 * which carry their own versions.
 *
 * It also writes manifest.schema.json and config.schema.json, the schemas of
 * the YAML files for editors, from the key tables the validators read
 * (lib/workspace/editor_schema.ts); tests/unit/editor_schema_test.ts checks
 * the committed files equal them.
 * @module
 */

import {
  EDITOR_SCHEMAS,
  editorSchemaFile,
  type EditorSchemaName,
  editorSchemaText,
} from "../lib/workspace/mod.ts";

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const int: Schema = { type: "integer", minimum: 0 };
const bool: Schema = { type: "boolean" };
const absolute: Schema = { type: "string", pattern: "^/" };
const hash: Schema = { type: "string", pattern: "^[0-9a-f]{64}$" };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: "null" }] });
const array = (items: Schema): Schema => ({ type: "array", items });
const object = (
  properties: Record<string, Schema>,
  optional: Record<string, Schema> = {},
): Schema => ({
  type: "object",
  required: Object.keys(properties),
  properties: { ...properties, ...optional },
  additionalProperties: false,
});
const stringMap = (values: Schema = str): Schema => ({
  type: "object",
  additionalProperties: values,
});

const diagnostic = object({
  file: absolute,
  line: int,
  column: int,
  severity: { enum: ["error", "warning"] },
  message: str,
  hint: nullable(str),
});

const error = object({
  message: str,
  hint: nullable(str),
  exitCode: { enum: [1, 2, 3] },
  file: nullable(str),
  line: nullable(int),
  column: nullable(int),
  diagnostics: array(diagnostic),
});

const packageName = { type: "string", pattern: "^[^@/:]+@[^@/:]+:[^@:]+$" };

const buildSummary = {
  packages: array(object({
    slug: str,
    version: str,
    flavor: str,
    manifest: absolute,
    status: {
      enum: ["built", "cached", "substituted", "checked", "failed", "skipped", "mismatch"],
    },
    inputKey: nullable(hash),
    outputHash: nullable(hash),
    expectedHash: nullable(hash),
    seconds: { type: "number", minimum: 0 },
    error: nullable(str),
    hashUpdated: bool,
    job: nullable(str),
  })),
  built: int,
  cached: int,
  substituted: int,
  checked: int,
  failed: int,
  skipped: int,
};

/** Fields a command prints only sometimes. */
const OPTIONAL: Record<string, Record<string, Schema>> = {
  show: { inputKeyUnknownReason: str },
};

/** Each command's own fields, after `version` and `command`. */
const FIELDS: Record<string, Record<string, Schema>> = {
  init: {
    workspace: absolute,
    config: absolute,
    created: bool,
    repo: absolute,
    example: nullable(absolute),
  },
  lint: { manifests: int, errors: int, warnings: int, diagnostics: array(diagnostic) },
  show: {
    manifest: absolute,
    evaluated: { type: "object" },
    refs: object({ tree: str, outputs: stringMap(), bundles: stringMap() }),
    dependencies: array(object({
      name: str,
      package: nullable(str),
      manifest: nullable(absolute),
      part: str,
      ref: nullable(str),
    })),
    mode: str,
    environment: stringMap(),
    inputKey: nullable(hash),
    expectedHash: nullable(hash),
    lastBuiltHash: nullable(hash),
    status: { enum: ["cached", "needs build", "dependencies not built", "not built"] },
  },
  graph: {
    packages: array(object({
      slug: str,
      version: str,
      flavor: str,
      manifest: absolute,
      dependencies: array(object({
        name: str,
        package: nullable(packageName),
        part: str,
        ref: nullable(str),
      })),
    })),
  },
  "why-depends": { from: packageName, to: packageName, path: nullable(array(packageName)) },
  eval: { value: {} },
  fetch: { sources: { type: "object" } },
  vendor: {
    files: array({
      type: "object",
      required: ["name", "sha256", "path", "status"],
      properties: {
        name: str,
        sha256: hash,
        path: absolute,
        status: { enum: ["written", "present", "replaced"] },
      },
    }),
    sumsPath: absolute,
  },
  build: buildSummary,
  "node-build": buildSummary,
  hash: { directory: absolute, algorithm: { enum: ["ostree", "original"] }, hash },
  checkout: { ref: str, commit: hash, directory: absolute },
  log: { path: absolute, log: str },
  diff: {
    roots: object({ a: str, b: str }),
    added: array({ type: "object" }),
    removed: array({ type: "object" }),
    changed: array({ type: "object" }),
    identical: int,
    report: nullable(absolute),
  },
  gc: {
    inputRefsRemoved: int,
    sourcesRemoved: int,
    buildTreesRemoved: int,
    prune: object({
      totalObjects: nullable(int),
      deletedObjects: int,
      freed: nullable(str),
      staleTemporaries: int,
    }),
  },
  key: { file: absolute, publicKey: str },
  publish: { dest: absolute, refs: int, commits: int, signed: bool },
  doctor: {
    checks: array({
      type: "object",
      required: ["name", "status", "detail"],
      properties: {
        name: str,
        status: { enum: ["ok", "warn", "fail"] },
        detail: str,
        disables: str,
        fix: str,
      },
      additionalProperties: false,
    }),
  },
  completions: { shell: { enum: ["bash", "zsh", "fish"] }, script: str },
};

/** The commands whose `--json` output has a schema (all but provenance). */
export const JSON_COMMANDS = Object.keys(FIELDS);

/** The schema of `2nex NAME --json`'s output: the command's document, or an error. */
export function commandSchema(name: string): Schema {
  const fields = FIELDS[name];
  if (!fields) throw new Error(`no JSON schema for command ${name}`);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://2nex.invalid/schemas/${name}.schema.json`,
    title: `2nex ${name} --json`,
    oneOf: [
      object({ version: { const: 1 }, command: { const: name }, ...fields }, OPTIONAL[name]),
      object({ version: { const: 1 }, command: { const: name }, error }),
    ],
  };
}

/** The file text of a schema, as committed. */
export function schemaText(name: string): string {
  return JSON.stringify(commandSchema(name), null, 2) + "\n";
}

if (import.meta.main) {
  const dir = new URL("../docs/schemas/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  for (const name of JSON_COMMANDS) {
    await Deno.writeTextFile(new URL(`${name}.schema.json`, dir), schemaText(name));
  }
  const yamlSchemas = Object.keys(EDITOR_SCHEMAS) as EditorSchemaName[];
  for (const name of yamlSchemas) {
    await Deno.writeTextFile(new URL(editorSchemaFile(name), dir), editorSchemaText(name));
  }
  console.error(
    `wrote ${JSON_COMMANDS.length + yamlSchemas.length} schemas to docs/schemas/`,
  );
}
