/**
 * The JSON Schemas and the validators agree key by key: walking the tables
 * (lib/manifest/schema_table.ts, lib/workspace/config_table.ts), a good
 * document with one key given a value of the wrong kind, one required key
 * removed, or one unknown key added is refused by both, and the good document
 * is accepted by both. A key the validator reads differently from its table
 * entry (or one that only one of them knows) fails here.
 */
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { stringify } from "yaml";
import { editorSchema, type EditorSchemaName } from "../../lib/workspace/editor_schema.ts";
import { MANIFEST_TYPE } from "../../lib/manifest/schema_table.ts";
import { CONFIG_TYPE } from "../../lib/workspace/config_table.ts";
import type { Field, ValueType } from "../../lib/manifest/schema_types.ts";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { DiagnosticBag } from "../../lib/manifest/diagnostics.ts";
import { parseConfig } from "../../lib/workspace/config.ts";

type Data = Record<string, unknown>;
type Path = (string | number)[];

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = {
  manifest: ajv.compile(editorSchema("manifest")),
  config: ajv.compile(editorSchema("config")),
};

/** The good documents: every container the tables describe is present once. */
const GOOD: Record<EditorSchemaName, Data> = {
  manifest: {
    package: { schema: 1, slug: "tool", version: "1.0" },
    vars: { v: 1 },
    sources: [{ name: "src", url: "https://example.org/t.tar.gz", sha256: "a".repeat(64) }],
    dependencies: [{ name: "dep" }],
    build: { script: "make", env: { A: "b" }, limits: { memory: "1G" } },
    outputs: { bin: ["/usr/bin/tool"] },
    bundles: { default: ["bin"] },
  },
  config: {
    env: { A: "b" },
    limits: { memory: "1G" },
    substituters: [{ url: "/srv/cache", keys: ["A".repeat(43) + "="] }],
    executor: { slurm: { cache: "/shared/cache", key: "/shared/key" } },
  },
};
const TYPES: Record<EditorSchemaName, ValueType> = { manifest: MANIFEST_TYPE, config: CONFIG_TYPE };

/** Every key of the table, with its path in the good document. */
function* keysOf(type: ValueType, path: Path = []): Generator<{ path: Path; field: Field }> {
  if (type.kind === "map") {
    for (const [key, field] of Object.entries(type.fields)) {
      yield { path: [...path, key], field };
      yield* keysOf(field.type, [...path, key]);
    }
  } else if (type.kind === "list") {
    yield* keysOf(type.items, [...path, 0]);
  } else if (type.kind === "choice") {
    for (const choice of type.choices) yield* keysOf(choice, path);
  }
}

/** Every map with fixed keys in the table, by path. */
function* mapsOf(type: ValueType, path: Path = []): Generator<Path> {
  if (type.kind === "map") {
    yield path;
    for (const [key, field] of Object.entries(type.fields)) {
      yield* mapsOf(field.type, [...path, key]);
    }
  } else if (type.kind === "list") {
    yield* mapsOf(type.items, [...path, 0]);
  } else if (type.kind === "choice") {
    for (const choice of type.choices) yield* mapsOf(choice, path);
  }
}

/** A value no key of this kind takes. */
function wrongValue(type: ValueType): unknown {
  switch (type.kind) {
    case "map":
    case "dict":
      return [1];
    case "integer":
      return "many";
    case "boolean":
      return "maybe";
    case "choice":
      return [1];
    default:
      return { wrong: 1 };
  }
}

/** A copy of the good document changed at `path` (`undefined`: the key removed). */
function changed(name: EditorSchemaName, path: Path, value: unknown): Data {
  const copy = structuredClone(GOOD[name]);
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) {
    parent = parent[step] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Keys of which a map needs one (a source's url or file): removing one is refused by both. */
const EXACTLY_ONE = new Set(["url", "file"]);

/** A text no pattern or enum of the tables allows (upper case, space, "/", "=", newline). */
const BREAKS_EVERY_RULE = "Bad /=\n..";

function getPath(data: unknown, path: Path): unknown {
  return path.reduce<unknown>((at, step) => (at as Record<string | number, unknown>)[step], data);
}

function hasPath(data: unknown, path: Path): boolean {
  let current = data;
  for (const step of path) {
    if (current === null || typeof current !== "object" || !(step in current)) return false;
    current = (current as Record<string | number, unknown>)[step];
  }
  return true;
}

function schemaAccepts(name: EditorSchemaName, data: Data): boolean {
  return validators[name](data) as boolean;
}

async function validatorErrors(name: EditorSchemaName, data: Data): Promise<string[]> {
  const text = stringify(data);
  if (name === "manifest") {
    const { diagnostics } = await loadManifestText("/m.yaml", text);
    return diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  }
  const bag = new DiagnosticBag("/ws/2nex.yaml", text);
  await parseConfig("/ws", text, bag);
  return bag.items.filter((d) => d.severity === "error").map((d) => d.message);
}

async function assertBothRefuse(name: EditorSchemaName, data: Data, what: string) {
  assert.equal(schemaAccepts(name, data), false, `the ${name} schema accepts ${what}`);
  assert.notDeepEqual(await validatorErrors(name, data), [], `the validator accepts ${what}`);
}

for (const name of ["manifest", "config"] as const) {
  Deno.test(`${name}: the good document is accepted by the schema and the validator`, async () => {
    assert.ok(schemaAccepts(name, GOOD[name]), "the schema refuses it");
    assert.deepEqual(await validatorErrors(name, GOOD[name]), []);
  });

  Deno.test(`${name}: every key given a value of the wrong kind is refused by both`, async () => {
    let checked = 0;
    for (const { path, field } of keysOf(TYPES[name])) {
      if (field.type.kind === "any") continue;
      await assertBothRefuse(
        name,
        changed(name, path, wrongValue(field.type)),
        `${path.join(".")}: ${JSON.stringify(wrongValue(field.type))}`,
      );
      checked++;
    }
    assert.ok(checked >= 10, `only ${checked} keys walked`);
  });

  Deno.test(`${name}: every pattern and enum of the table is checked by both`, async () => {
    let checked = 0;
    for (const { path, field } of keysOf(TYPES[name])) {
      const type = field.type;
      if (type.kind === "text" && (type.rule || type.oneOf)) {
        await assertBothRefuse(name, changed(name, path, BREAKS_EVERY_RULE), path.join("."));
        checked++;
      } else if (type.kind === "dict" && hasPath(GOOD[name], path)) {
        const data = changed(
          name,
          [...path, BREAKS_EVERY_RULE],
          structuredClone(
            Object.values(getPath(GOOD[name], path) as Data)[0],
          ),
        );
        await assertBothRefuse(
          name,
          data,
          `the key ${JSON.stringify(BREAKS_EVERY_RULE)} in ${path.join(".")}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 3, `only ${checked} patterns and enums walked`);
  });

  Deno.test(`${name}: every required key, removed, is missed by both`, async () => {
    for (const { path, field } of keysOf(TYPES[name])) {
      if (field.required === undefined) continue;
      await assertBothRefuse(name, changed(name, path, undefined), `no ${path.join(".")}`);
    }
  });

  Deno.test(`${name}: every key the table leaves optional, removed, is missed by neither`, async () => {
    for (const { path, field } of keysOf(TYPES[name])) {
      if (field.required !== undefined || !hasPath(GOOD[name], path)) continue;
      const data = changed(name, path, undefined);
      if (EXACTLY_ONE.has(String(path[path.length - 1]))) {
        await assertBothRefuse(name, data, `no ${path.join(".")}`);
        continue;
      }
      // Other errors may follow (bundles naming a removed output): a check across keys.
      const missed = (await validatorErrors(name, data)).filter((m) =>
        /^missing required|needs /.test(m)
      );
      assert.deepEqual(missed, [], `the validator misses ${path.join(".")}`);
      assert.ok(schemaAccepts(name, data), `the schema misses ${path.join(".")}`);
    }
  });

  Deno.test(`${name}: an unknown key in any map is refused by both; an x- key by neither`, async () => {
    for (const path of mapsOf(TYPES[name])) {
      await assertBothRefuse(name, changed(name, [...path, "bogus"], 1), `${path.join(".")}.bogus`);
      const extended = changed(name, [...path, "x-note"], 1);
      assert.ok(schemaAccepts(name, extended), `the schema refuses ${path.join(".")}.x-note`);
      assert.deepEqual(await validatorErrors(name, extended), [], `${path.join(".")}.x-note`);
    }
  });
}
